/** What the splitter needs to know of a flag: whether the next token is its value. */
export interface FlagShape {
  type: string;
  char?: string;
  allowNo?: boolean;
}

/**
 * How many positional arguments come before the program, given the flags seen
 * so far: exec's container (1), run's image unless --path or --bundle (1 or 0).
 */
export type LeadingPositionals = (flagsSeen: ReadonlySet<string>) => number;

export interface ProgramArgv {
  /** ryouiki's own flags and the positionals before the program: what oclif parses. */
  options: string[];
  /** The program and its arguments, exactly as given. */
  program: string[];
}

/** The flag named by `--name`, `--name=value` or `--no-name`. */
function longFlag(token: string, flags: Record<string, FlagShape>): { name: string; shape?: FlagShape; inlineValue: boolean } {
  const equals = token.indexOf('=');
  const name = token.slice(2, equals === -1 ? undefined : equals);
  const shape = flags[name] ?? (name.startsWith('no-') && flags[name.slice(3)]?.allowNo === true ? { type: 'boolean' } : undefined);
  return { name, shape, inlineValue: equals !== -1 };
}

/**
 * Reads a `-abc` cluster: boolean chars, until a char that takes a value,
 * which takes the rest of the token or, at its end, the next token.
 */
function shortCluster(token: string, byChar: Map<string, [string, FlagShape]>, seen: Set<string>): { takesNext: boolean } {
  for (let index = 1; index < token.length; index++) {
    const found = byChar.get(token[index] as string);
    if (found === undefined) return { takesNext: false };
    seen.add(found[0]);
    if (found[1].type === 'option') return { takesNext: index === token.length - 1 };
  }
  return { takesNext: false };
}

/**
 * Splits a command's arguments where its program starts: at the first `--`
 * (dropped), or at the first positional past the leading ones. Everything
 * from there on is the program's, byte for byte, as podman passes it: oclif
 * never sees it, so it can neither reorder it nor take a token for a flag.
 */
export function splitProgramArgv(argv: string[], flags: Record<string, FlagShape>, leading: LeadingPositionals): ProgramArgv {
  const byChar = new Map<string, [string, FlagShape]>();
  for (const [name, shape] of Object.entries(flags)) if (shape.char !== undefined) byChar.set(shape.char, [name, shape]);
  const seen = new Set<string>();
  let positionals = 0;
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token === '--') return { options: argv.slice(0, index), program: argv.slice(index + 1) };
    if (token.startsWith('--')) {
      const flag = longFlag(token, flags);
      seen.add(flag.name);
      if (flag.shape?.type === 'option' && !flag.inlineValue) index++;
    } else if (token.startsWith('-') && token.length > 1) {
      if (shortCluster(token, byChar, seen).takesNext) index++;
    } else if (positionals < leading(seen)) {
      positionals++;
    } else {
      return { options: argv.slice(0, index), program: argv.slice(index) };
    }
  }
  return { options: argv, program: [] };
}

/** A command that runs a program: how many positionals come before it. */
export interface ProgramCommandClass {
  flags: Record<string, FlagShape>;
  leadingPositionals: LeadingPositionals;
}

export function takesProgram(command: unknown): command is ProgramCommandClass {
  return typeof (command as ProgramCommandClass | undefined)?.leadingPositionals === 'function';
}

/**
 * The whole command line with the program moved behind a `--` of its own,
 * so that nothing before oclif's parser (its --help and --version checks)
 * looks into the program's arguments either: `exec c ls --help` runs
 * `ls --help`. Command lines of other commands come back as they are.
 */
export function guardProgramArgv(argv: string[], commands: Record<string, unknown>): { options: string[]; program?: string[] } {
  const at = argv.findIndex((token) => !token.startsWith('-'));
  const command = at === -1 ? undefined : commands[argv[at] as string];
  if (!takesProgram(command)) return { options: argv };
  const split = splitProgramArgv(argv.slice(at + 1), command.flags, command.leadingPositionals);
  return { options: [...argv.slice(0, at + 1), ...split.options], program: split.program };
}
