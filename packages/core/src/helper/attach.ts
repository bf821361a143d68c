import { existsSync } from 'node:fs';
import { inspectContainer, requireRunning } from '../store/container-control.js';
import { attachSocketPath } from '../store/container-state.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.js';
import { RyouikiError } from '../errors.js';
import { runExecClient } from './exec.js';
import type { StoreOptions } from '../store/paths.js';
import { storeDirs } from '../store/runtime-dir.js';
import { INFO_FD } from '../launch/fds.js';

export interface AttachOptions extends StoreOptions {
  /** The detach sequence, as podman spells it (`ctrl-p,ctrl-q`); `""`: none. Default: the one given to start, else ctrl-p,ctrl-q. */
  detachKeys?: string;
}

export type AttachResult = { detached: true } | { detached: false; exitCode: number };

/**
 * Connects this process's terminal to a running container's terminal (one
 * started with `-t`), through the attach socket its supervisor serves; the
 * copying is done by ryouiki-exec --attach, in C. Resolves when the detach keys
 * are typed (the container runs on) or with the exit code once the container
 * has ended.
 */
export async function attachContainer(query: string, options: AttachOptions = {}): Promise<AttachResult> {
  const state = await inspectContainer(query, options);
  requireRunning(state, query);
  if (state.spec.process.terminal !== true) {
    throw new RyouikiError('USAGE', `container ${query} has no terminal (it was started without -t): read its output with ryouiki logs -f ${query}`);
  }
  const keys = parseDetachKeys(options.detachKeys ?? state.detachKeys ?? DEFAULT_DETACH_KEYS);
  const socket = attachSocketPath(storeDirs(options), state.id);
  if (!existsSync(socket)) throw new RyouikiError('CONTAINER_NOT_RUNNING', `container ${query} is not running: see ryouiki ps -a`);
  const args = ['--attach', socket, '--detach-keys', keys.join(','), '--info-fd', String(INFO_FD), ...(state.interactive === true ? ['--stdin'] : [])];
  // SIGWINCH and Ctrl-C reach the client from the terminal itself; Node.js only waits for it.
  const { code, detached } = await runExecClient(args, {}, ['SIGINT', 'SIGTERM', 'SIGHUP']);
  return detached ? { detached: true } : { detached: false, exitCode: code };
}
