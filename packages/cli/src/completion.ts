import { constants } from 'node:os';
import { images, listContainers } from '@ryouiki/core/internal';
import { splitProgramArgv, takesProgram, type FlagShape } from './program-argv.js';

/** What the shell scripts of `ryouiki completion` take as "complete file names here". */
export const FILES = ':files';

/** Values of flags that take one of a known set, besides the flags' own `options`. */
const FLAG_VALUES: Record<string, () => string[]> = {
  network: () => ['slirp4netns', 'slirp4netns:allow_host_loopback=true', 'pasta', 'none', 'host'],
  signal: () => Object.keys(constants.signals).map((name) => name.replace(/^SIG/, '')),
  userns: () => ['auto', 'single'],
  seccomp: () => ['unconfined'],
};

/** Flags whose value is a file or a folder on the host. */
const FILE_FLAGS = new Set(['path', 'env', 'env-file', 'bundle', 'root', 'seccomp', 'console-socket']);

/** Commands whose first argument is a running container, and those that take any container. */
const RUNNING_CONTAINER = new Set(['exec', 'attach', 'top', 'stop', 'kill', 'stats', 'commit']);
const ANY_CONTAINER = new Set(['logs', 'inspect', 'rm', 'wait', 'port', 'restart', 'cp']);
/** Commands whose arguments are images, and those whose first argument is one (the program follows it). */
const IMAGES = new Set(['rmi', 'tag', 'save', 'image:inspect']);
const LEADING_IMAGE = new Set(['run', 'start']);
/** Commands that take several containers. */
const MANY_CONTAINERS = new Set(['stop', 'kill', 'stats', 'inspect', 'rm', 'wait', 'restart']);

type Flags = Record<string, FlagShape & { options?: readonly string[] }>;

function flagNames(flags: Flags): string[] {
  return Object.entries(flags).flatMap(([name, shape]) => [`--${name}`, ...(shape.char === undefined ? [] : [`-${shape.char}`])]);
}

/** The flag whose value the word after `previous` is, if previous is a flag that takes one. */
function valueFlag(previous: string | undefined, flags: Flags): string | undefined {
  if (previous === undefined || !previous.startsWith('-') || previous.includes('=')) return undefined;
  const name = previous.startsWith('--') ? previous.slice(2) : Object.entries(flags).find(([, shape]) => shape.char !== undefined && previous.endsWith(shape.char))?.[0];
  return name !== undefined && flags[name]?.type === 'option' ? name : undefined;
}

/** The store's image names, as `images` lists them (`localhost:5000/debian:latest`). */
function imageNames(root: string | undefined): string[] {
  try {
    return images({ root }).flatMap((image) => image.names);
  } catch {
    return [];
  }
}

function flagValues(name: string, flags: Flags, root: string | undefined): string[] {
  if (name === 'image') return imageNames(root);
  const known = FLAG_VALUES[name]?.() ?? [...(flags[name]?.options ?? [])];
  if (known.length > 0) return known;
  return FILE_FLAGS.has(name) ? [FILES] : [];
}

function rootOf(words: string[]): string | undefined {
  const at = words.indexOf('--root');
  if (at !== -1) return words[at + 1];
  return words.find((word) => word.startsWith('--root='))?.slice('--root='.length);
}

async function containerNames(running: boolean, root: string | undefined): Promise<string[]> {
  const states = await listContainers({ root }).catch(() => []);
  return states.filter((state) => !running || state.status === 'running').flatMap((state) => [state.name, state.id.slice(0, 12)]);
}

/** A command as completion reads it: the class oclif runs. */
export interface CompletableCommand {
  flags?: Flags;
  hidden?: boolean;
}

async function positionalCandidates(id: string, before: string[], flags: Flags, root: string | undefined): Promise<string[]> {
  const positionals = before.filter((word, index) => !word.startsWith('-') && valueFlag(before[index - 1], flags) === undefined);
  // What is left of run and start before their program is their image.
  if (LEADING_IMAGE.has(id) || IMAGES.has(id)) return imageNames(root);
  if (RUNNING_CONTAINER.has(id) || ANY_CONTAINER.has(id)) {
    if (positionals.length === 0 || MANY_CONTAINERS.has(id)) return containerNames(RUNNING_CONTAINER.has(id), root);
  }
  return [];
}

/**
 * The candidates for the last of words (the command line after `ryouiki`,
 * the word being completed last, maybe empty): command names, flag names,
 * flag values (network modes, signals, a flag's options), container names,
 * image names; [FILES] where a file name goes.
 */
export async function completions(words: string[], commands: Record<string, CompletableCommand>): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const commandAt = before.findIndex((word) => !word.startsWith('-'));
  if (commandAt === -1)
    return Object.keys(commands)
      .filter((id) => commands[id]?.hidden !== true)
      .sort();
  const id = before[commandAt] as string;
  const command = commands[id];
  if (command === undefined) return [];
  const flags = command.flags ?? {};
  const rest = before.slice(commandAt + 1);
  // From the program on, the words are the program's: file names, as a shell completes them anyway
  // (an empty word being completed counts as a positional argument).
  if (takesProgram(command) && splitProgramArgv([...rest, current || 'x'], flags, command.leadingPositionals).program.length > 0) return [FILES];
  const valueOf = valueFlag(rest.at(-1), flags);
  if (valueOf !== undefined) return flagValues(valueOf, flags, rootOf(rest));
  if (current.startsWith('-')) return flagNames(flags).sort();
  return positionalCandidates(id, rest, flags, rootOf(rest));
}
