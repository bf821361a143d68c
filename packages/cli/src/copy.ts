import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { RyouikiError } from '@ryouiki/core/internal';
import { RYOUIKI_COMMAND } from './launch.js';

/** One side of ryouiki cp: a host path, or CONTAINER:PATH. */
export interface CopyEnd {
  container?: string;
  path: string;
}

/** `web:/etc/hosts` is in a container, `./hosts` and `/tmp/x` on the host, as podman cp reads them. */
export function parseCopyEnd(text: string): CopyEnd {
  const colon = text.indexOf(':');
  if (colon <= 0 || text.startsWith('/') || text.startsWith('.')) return { path: text };
  return { container: text.slice(0, colon), path: text.slice(colon + 1) };
}

interface Step {
  command: string[];
  what: string;
}

function ryouikiExec(root: string | undefined, container: string, program: string[]): string[] {
  return [...RYOUIKI_COMMAND, 'exec', ...(root === undefined ? [] : ['--root', root]), container, ...program];
}

/** Runs a producer piped into a consumer; rejects with the first failure's stderr. */
function pipeline(producer: Step, consumer: Step): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const from = spawn(producer.command[0] as string, producer.command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const to = spawn(consumer.command[0] as string, consumer.command.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    const errors = { from: '', to: '' };
    from.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors.from += chunk));
    to.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors.to += chunk));
    from.stdout.pipe(to.stdin);
    to.stdin.on('error', () => undefined);
    // Each step's exit code once it has closed (null: ended by a signal); either may close first.
    const codes: { from?: number | null; to?: number | null } = {};
    const done = (): void => {
      if (!('from' in codes) || !('to' in codes)) return;
      const { from: fromCode, to: toCode } = codes;
      if (fromCode === 0 && toCode === 0) return resolvePromise();
      const [step, text] = fromCode !== 0 ? [producer, errors.from] : [consumer, errors.to];
      reject(
        new RyouikiError(
          'COPY_FAILED',
          `cp: ${step.what} failed: ${
            text
              .trim()
              .split('\n')
              .at(-1)
              ?.replace(/^ryouiki: /, '') || `exit ${String(fromCode !== 0 ? fromCode : toCode)}`
          }`,
        ),
      );
    };
    from.on('error', reject);
    to.on('error', reject);
    from.on('close', (code) => {
      codes.from = code;
      done();
    });
    to.on('close', (code) => {
      codes.to = code;
      done();
    });
  });
}

/** Whether a container path is a folder, asked inside the container. */
function isContainerFolder(root: string | undefined, container: string, path: string): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const [command, ...args] = ryouikiExec(root, container, ['test', '-d', path]);
    const child = spawn(command as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || code === 1) return resolvePromise(code === 0);
      reject(new RyouikiError('COPY_FAILED', `cp: ${stderr.trim().replace(/^ryouiki: /, '') || `cannot look at ${container}:${path}`}`));
    });
  });
}

/** tar's --transform that renames the copied top entry, as cp does when the target is not a folder. */
function renameTo(from: string, to: string): string[] {
  return from === to ? [] : [`--transform=s|^${from.replace(/[|\\&]/g, '\\$&')}|${to.replace(/[|\\&]/g, '\\$&')}|`];
}

/**
 * podman cp between the host and a container: a tar stream from one side to
 * the other, the container's side run by ryouiki exec, in the container's
 * namespaces and as its user, with the container's own tar. Nothing is
 * written outside the container's root. A target folder that exists gets the
 * source inside it; otherwise the source is copied as the target.
 */
export async function copy(source: CopyEnd, target: CopyEnd, root: string | undefined): Promise<void> {
  if ((source.container === undefined) === (target.container === undefined)) {
    throw new RyouikiError('USAGE', 'cp copies between the host and a container: give one side as CONTAINER:PATH, as ryouiki cp ./file web:/tmp');
  }
  if (target.container !== undefined) {
    const host = resolve(source.path);
    const name = basename(host);
    const intoFolder = await isContainerFolder(root, target.container, target.path);
    const folder = intoFolder ? target.path : dirname(target.path);
    const rename = intoFolder ? [] : renameTo(name, basename(target.path));
    await pipeline(
      { command: ['tar', '-C', dirname(host), ...rename, '-cf', '-', '--', name], what: `reading ${host}` },
      { command: ryouikiExec(root, target.container, ['tar', '-C', folder, '-xf', '-']), what: `writing ${target.container}:${target.path}` },
    );
    return;
  }
  const container = source.container as string;
  const name = basename(source.path);
  const host = resolve(target.path);
  const intoFolder = statSync(host, { throwIfNoEntry: false })?.isDirectory() === true;
  await pipeline(
    { command: ryouikiExec(root, container, ['tar', '-C', dirname(source.path), '-cf', '-', name]), what: `reading ${container}:${source.path}` },
    { command: ['tar', '-C', intoFolder ? host : dirname(host), ...(intoFolder ? [] : renameTo(name, basename(host))), '-xf', '-'], what: `writing ${host}` },
  );
}
