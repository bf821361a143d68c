/**
 * The argument parser of ryouiki-runtime: the command line engines give runc
 * and crun, written by hand so that each call loads nothing else. Flags take
 * `--flag value` and `--flag=value` (and runc's single dash, `-flag`); flags
 * may come before or after the positional arguments, until `--`.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Takes a value; otherwise a boolean, which may also be given as `--flag=true|false`. */
  value?: boolean;
  /** Repeatable: every value is kept. */
  many?: boolean;
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface Parsed {
  flags: Record<string, string | boolean | string[]>;
  positionals: string[];
}

function findFlag(specs: FlagSpecs, name: string): [string, FlagSpec] | undefined {
  if (specs[name] !== undefined) return [name, specs[name]];
  return Object.entries(specs).find(([, spec]) => spec.short === name);
}

function booleanValue(name: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(text)}`);
}

/**
 * Parses args against specs. With stopAtPositional, parsing stops at the
 * first positional argument (the global flags stop at the command's name; exec
 * stops after the id, so the program's own flags stay its own).
 */
export function parseArgs(args: string[], specs: FlagSpecs, stopAfterPositionals = Infinity): Parsed {
  const parsed: Parsed = { flags: {}, positionals: [] };
  let index = 0;
  while (index < args.length) {
    const arg = args[index++]!;
    if (arg === '--') {
      parsed.positionals.push(...args.slice(index));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      parsed.positionals.push(arg);
      if (parsed.positionals.length >= stopAfterPositionals) {
        parsed.positionals.push(...args.slice(index));
        break;
      }
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const found = findFlag(specs, name);
    if (found === undefined) throw new UsageError(`unknown flag ${arg.startsWith('--') ? '--' : '-'}${name}`);
    const [key, spec] = found;
    let value: string | boolean;
    if (spec.value === true) {
      if (equals >= 0) value = body.slice(equals + 1);
      else if (index < args.length) value = args[index++]!;
      else throw new UsageError(`--${key} needs a value`);
    } else {
      value = equals >= 0 ? booleanValue(key, body.slice(equals + 1)) : true;
    }
    if (spec.many === true) parsed.flags[key] = [...((parsed.flags[key] as string[] | undefined) ?? []), String(value)];
    else parsed.flags[key] = value;
  }
  return parsed;
}

export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const value = parsed.flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(parsed: Parsed, name: string): boolean {
  return parsed.flags[name] === true;
}

export function listFlag(parsed: Parsed, name: string): string[] {
  const value = parsed.flags[name];
  return Array.isArray(value) ? value : [];
}
