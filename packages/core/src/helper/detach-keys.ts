import { RyouikiError } from '../errors.js';

/** podman's default: Ctrl-P then Ctrl-Q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CONTROL_PUNCTUATION: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

function keyByte(key: string, spec: string): number {
  const control = /^ctrl-(.)$/.exec(key);
  if (control !== null) {
    const name = control[1]!;
    if (/^[a-z]$/.test(name)) return name.charCodeAt(0) - 96;
    if (name in CONTROL_PUNCTUATION) return CONTROL_PUNCTUATION[name]!;
  } else if (key.length === 1 && key.charCodeAt(0) < 128) {
    return key.charCodeAt(0);
  }
  throw new RyouikiError(
    'USAGE',
    `--detach-keys ${JSON.stringify(spec)}: ${JSON.stringify(key)} is not a key: give ctrl-<a-z, @, [, \\, ], ^ or _> or one character, separated by commas (as podman), or "" for none`,
  );
}

/**
 * The bytes a detach sequence types, as podman spells it: `ctrl-p,ctrl-q`
 * (the default), `ctrl-a,d`, ...; `""` turns detaching by keys off.
 */
export function parseDetachKeys(spec: string): number[] {
  if (spec === '') return [];
  const keys = spec.split(',').map((key) => keyByte(key, spec));
  if (keys.length > 16) throw new RyouikiError('USAGE', `--detach-keys ${JSON.stringify(spec)}: at most 16 keys`);
  return keys;
}
