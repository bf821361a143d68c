import { childProcess } from '../lazy-builtin.js';
import { environmentObject } from '../spec/env-file.js';
import { RyouikiError } from '../errors.js';
import type { ResourceRecord } from '../store/container-state.js';
import { registerResourceReleaser, type Resource } from '../launch/resource.js';
import type { OciHook, OciHookKind, OciHooks } from './config.js';

/** The state a hook reads on its stdin, as the runtime-spec defines it. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

const KILL_GRACE_MS = 1000;
/** Enough of a hook's stderr for the first line of its complaint. */
const STDERR_KEPT_BYTES = 64 * 1024;
const KIND = 'oci-hooks';

/** Hooks that run in the container's namespaces, entered with nsenter (the mount namespace is not pivoted yet). */
const IN_CONTAINER: OciHookKind[] = ['createContainer'];

function hookCommand(hook: OciHook, kind: OciHookKind, pid: number | undefined): { file: string; args: string[]; argv0?: string } {
  const args = hook.args?.slice(1) ?? [];
  if (IN_CONTAINER.includes(kind) && pid !== undefined) {
    // nsenter makes the hook uid 0 of the container's user namespace, in each of its namespaces.
    return { file: 'nsenter', args: ['--target', String(pid), '--user', '--mount', '--uts', '--ipc', '--net', '--pid', '--', hook.path, ...args] };
  }
  const argv0 = hook.args?.[0];
  return argv0 === undefined ? { file: hook.path, args } : { file: hook.path, args, argv0 };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}

interface HookEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
  /** Why it could not be started (ENOENT, EACCES, ...). */
  spawnError?: Error;
}

/**
 * Runs a hook's command with INPUT on its stdin, its stdout thrown away; past
 * TIMEOUT_MS it gets SIGTERM, then SIGKILL. A plain child process: a hook runs
 * from ryouiki-runtime's start and delete, which load nothing they do not need.
 */
function runHookProcess(command: ReturnType<typeof hookCommand>, env: Record<string, string>, input: string, timeoutMs: number | undefined): Promise<HookEnd> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(command.file, command.args, { argv0: command.argv0, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    let spawnError: Error | undefined;
    const timers: NodeJS.Timeout[] = [];
    if (timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS));
        }, timeoutMs),
      );
    }
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEPT_BYTES) stderr += chunk;
    });
    // A hook that does not read its stdin closes it: not a failure of the hook.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ code, signal, timedOut, stderr, spawnError });
    });
  });
}

function hookFailure(end: HookEnd, hook: OciHook): string | undefined {
  const stderr = firstLine(end.stderr);
  if (end.spawnError !== undefined) return `could not run: ${firstLine(end.spawnError.message)}`;
  if (end.timedOut) return `ran longer than its timeout of ${hook.timeout} s and was killed`;
  if (end.code !== null && end.code !== 0) return `exited with ${end.code}${stderr === '' ? '' : `: ${stderr}`}`;
  if (end.signal !== null) return `was killed by ${end.signal}`;
  return undefined;
}

/** Runs one hook with the state on its stdin; throws OCI_HOOK_FAILED naming it when it fails or runs past its timeout. */
export async function runHook(hook: OciHook, kind: OciHookKind, index: number, state: OciState): Promise<void> {
  const end = await runHookProcess(hookCommand(hook, kind, state.pid), environmentObject(hook.env ?? []), JSON.stringify(state), hook.timeout === undefined ? undefined : hook.timeout * 1000);
  const why = hookFailure(end, hook);
  if (why !== undefined) throw new RyouikiError('OCI_HOOK_FAILED', `hooks.${kind}[${index}] (${hook.path}) ${why}`);
}

/** Runs the hooks of one kind in order; the first failure stops them. */
export async function runHooks(hooks: OciHooks, kind: OciHookKind, state: OciState): Promise<void> {
  for (const [index, hook] of (hooks[kind] ?? []).entries()) await runHook(hook, kind, index, state);
}

/** Runs the hooks of one kind whose failures are only warnings (poststart, poststop): all of them. */
export async function runHooksWarning(hooks: OciHooks, kind: OciHookKind, state: OciState, warn: (message: string) => void): Promise<void> {
  for (const [index, hook] of (hooks[kind] ?? []).entries()) {
    await runHook(hook, kind, index, state).catch((error: unknown) => warn(error instanceof Error ? error.message : String(error)));
  }
}

export interface HookContext {
  id: string;
  bundle: string;
  annotations: Record<string, string>;
  ociVersion: string;
  warn: (message: string) => void;
}

function stateOf(context: HookContext, status: OciState['status'], pid: number | undefined): OciState {
  const state: OciState = { ociVersion: context.ociVersion, id: context.id, status, bundle: context.bundle, annotations: context.annotations };
  if (pid !== undefined) state.pid = pid;
  return state;
}

/**
 * A bundle's hooks as a resource of its container: prestart, createRuntime
 * and createContainer while the command waits (a failure stops the start and
 * names the hook), poststart once it runs, poststop after it ended (failures
 * of those two are warnings, as the runtime-spec asks). Detached, poststop is
 * run by whichever process releases the container (see the releaser below).
 */
export function hookResource(hooks: OciHooks, context: HookContext): Resource {
  let pid: number | undefined;
  let stopped = false;
  const poststop = async (): Promise<void> => {
    if (pid === undefined || stopped) return;
    stopped = true;
    await runHooksWarning(hooks, 'poststop', stateOf(context, 'stopped', pid), context.warn);
  };
  return {
    attach: async (containerPid) => {
      pid = containerPid;
      try {
        for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) await runHooks(hooks, kind, stateOf(context, 'creating', pid));
      } catch (error) {
        // The lifecycle goes on to its end: the container is gone, poststop runs.
        await poststop();
        throw error;
      }
    },
    started: () => runHooksWarning(hooks, 'poststart', stateOf(context, 'running', pid), context.warn),
    // Only for a container whose init existed: a start cut short before created nothing.
    release: poststop,
    record: () => ({ kind: KIND, hooks: hooks.poststop ?? [], state: stateOf(context, 'stopped', pid) }),
  };
}

/** Poststop of a container that existed (a start cut short before its init had a PID created nothing). */
registerResourceReleaser(KIND, async (record: ResourceRecord, warn) => {
  const state = record.state as OciState;
  if (state.pid === undefined) return;
  await runHooksWarning({ poststop: record.hooks as OciHook[] }, 'poststop', state, warn);
});
