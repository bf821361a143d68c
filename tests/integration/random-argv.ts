/**
 * Seeded random argument lists for the argv property tests: tokens equal to
 * ryouiki's flags and their values, `--`, repeats, empty strings, spaces,
 * quotes and unicode. The seed is printed by a failing test, and
 * RYOUIKI_TEST_SEED replays it.
 */
export const ARGV_SEED = Number(process.env.RYOUIKI_TEST_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: a small, good enough PRNG that a seed replays exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** What a program's arguments must survive: ryouiki's own flags and values among them. */
const TRICKY = [
  '--',
  '-',
  '--path',
  '--network',
  'none',
  'host',
  '-p',
  '8080:80',
  '80',
  '-e',
  'X=1',
  '--env',
  '--env-file',
  '-v',
  '/:/x',
  '-w',
  '/tmp',
  '-it',
  '-i',
  '-t',
  '-d',
  '--rm',
  '--name',
  '--name=x',
  '--debug',
  '--help',
  '-h',
  '--version',
  '--root',
  '--bundle',
  '--command',
  'echo',
  '-o',
  'pid',
  '--json',
  '-a',
  '--no-trunc',
  '-u',
  '0',
  '--user=0',
  '',
];
const CHARACTERS = ['a', 'b', 'Z', '0', '9', ' ', '-', '=', ':', '/', "'", '"', '\\', '$', '*', '\t', 'ü', '日', '本', '🙂', 'é'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomWord(random: () => number): string {
  const length = Math.floor(random() * 6);
  return Array.from({ length }, () => pick(random, CHARACTERS)).join('');
}

/** Up to maxLength arguments: tricky tokens, random words, and repeats of earlier ones. */
export function randomArgs(random: () => number, maxLength = 12): string[] {
  const args: string[] = [];
  const length = Math.floor(random() * (maxLength + 1));
  for (let index = 0; index < length; index++) {
    const roll = random();
    if (roll < 0.45) args.push(pick(random, TRICKY));
    else if (roll < 0.7 && args.length > 0) args.push(pick(random, args));
    else args.push(randomWord(random));
  }
  return args;
}
