/**
 * `commit --change`: the Dockerfile instructions docker and podman apply to a
 * committed image's config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER,
 * WORKDIR, STOPSIGNAL, VOLUME), read as the Dockerfile reads them.
 */
import { posix } from 'node:path';
import { RyouikiError } from '../errors.js';
import { signalNumber } from '../spec/signal.js';
import type { ImageRuntimeConfig } from './manifest.js';

export const CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'WORKDIR', 'STOPSIGNAL', 'VOLUME'];
const PORT_PROTOCOLS = ['tcp', 'udp', 'sctp'];

function badChange(change: string, why: string): RyouikiError {
  return new RyouikiError('USAGE', `--change ${JSON.stringify(change)}: ${why}`);
}

/** The words of ARGS as the Dockerfile splits ENV and LABEL: on blanks, with "..." and '...' quoting and \ escapes. */
export function changeWords(args: string, change: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const char = args[index] as string;
    if (char === '\\' && quote !== "'" && index + 1 < args.length) {
      word = (word ?? '') + args[++index];
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + char;
  }
  if (quote !== undefined) throw badChange(change, `a ${quote} is not closed`);
  if (word !== undefined) words.push(word);
  return words;
}

/** A JSON array of strings (the exec form), or undefined when ARGS is not one. */
function execForm(args: string, change: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw badChange(change, 'not a JSON array of strings (use ["prog", "arg"], or the shell form without brackets)');
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw badChange(change, 'not a JSON array of strings');
  return parsed as string[];
}

/** KEY=VALUE pairs (ENV, LABEL); ENV also takes the old `KEY VALUE` form. */
function pairs(args: string, change: string, oldForm: boolean): [string, string][] {
  const words = changeWords(args, change);
  if (oldForm && words.length > 0 && !(words[0] as string).includes('=')) {
    const key = words[0] as string;
    const value = args.trim().slice(key.length).trim();
    if (value === '') throw badChange(change, `${key} has no value: give KEY=VALUE`);
    return [[key, value]];
  }
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals <= 0) throw badChange(change, `${word} is not KEY=VALUE`);
    return [word.slice(0, equals), word.slice(equals + 1)];
  });
}

function exposedPort(word: string, change: string): string {
  const [port = '', protocol = 'tcp', ...rest] = word.toLowerCase().split('/');
  const number = Number(port);
  if (rest.length > 0 || !/^\d+$/.test(port) || number < 1 || number > 65535 || !PORT_PROTOCOLS.includes(protocol)) {
    throw badChange(change, `${word} is not PORT[/tcp|udp|sctp] with a port from 1 to 65535`);
  }
  return `${number}/${protocol}`;
}

function stopSignal(word: string, change: string): string {
  try {
    signalNumber(word);
  } catch {
    throw badChange(change, `${word} is not a signal (a name such as SIGTERM, or a number)`);
  }
  return word;
}

/** Applies one instruction to CONFIG; `cmdGiven` tells ENTRYPOINT whether a CMD of the same commit keeps the image's Cmd. */
function applyChange(config: ImageRuntimeConfig, change: string, cmdGiven: boolean): void {
  const match = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(change);
  const instruction = (match?.[1] ?? '').toUpperCase();
  const args = match?.[2] ?? '';
  if (instruction === 'ONBUILD') throw badChange(change, 'ONBUILD is not applied by commit (it belongs to a build)');
  if (!CHANGE_INSTRUCTIONS.includes(instruction)) throw badChange(change, `not one of the instructions commit applies: ${CHANGE_INSTRUCTIONS.join(', ')}`);
  if (args === '') throw badChange(change, `${instruction} needs a value`);
  switch (instruction) {
    case 'CMD':
      config.Cmd = execForm(args, change) ?? ['/bin/sh', '-c', args];
      return;
    case 'ENTRYPOINT':
      config.Entrypoint = execForm(args, change) ?? ['/bin/sh', '-c', args];
      // as in a Dockerfile: a new entrypoint drops the image's Cmd, unless this commit gives one
      if (!cmdGiven) config.Cmd = null;
      return;
    case 'ENV': {
      const env = [...(config.Env ?? [])];
      for (const [key, value] of pairs(args, change, true)) {
        const index = env.findIndex((entry) => entry.split('=')[0] === key);
        if (index >= 0) env[index] = `${key}=${value}`;
        else env.push(`${key}=${value}`);
      }
      config.Env = env;
      return;
    }
    case 'LABEL':
      config.Labels = { ...config.Labels, ...Object.fromEntries(pairs(args, change, false)) };
      return;
    case 'EXPOSE':
      config.ExposedPorts = { ...config.ExposedPorts, ...Object.fromEntries(changeWords(args, change).map((word) => [exposedPort(word, change), {}])) };
      return;
    case 'USER':
      config.User = args;
      return;
    case 'WORKDIR':
      config.WorkingDir = posix.resolve(config.WorkingDir || '/', args);
      return;
    case 'STOPSIGNAL':
      config.StopSignal = stopSignal(args, change);
      return;
    default: {
      const volumes = execForm(args, change) ?? changeWords(args, change);
      const relative = volumes.find((volume) => !volume.startsWith('/'));
      if (relative !== undefined) throw badChange(change, `${relative} is not an absolute path`);
      config.Volumes = { ...config.Volumes, ...Object.fromEntries(volumes.map((volume) => [volume, {}])) };
    }
  }
}

/** The config with every change applied, in order; the first bad one is refused before anything is made. */
export function applyChanges(config: ImageRuntimeConfig, changes: string[]): ImageRuntimeConfig {
  const changed: ImageRuntimeConfig = { ...config };
  const cmdGiven = changes.some((change) => /^\s*cmd(\s|$)/i.test(change));
  for (const change of changes) applyChange(changed, change, cmdGiven);
  return changed;
}
