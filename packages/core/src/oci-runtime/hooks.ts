import { spawn } from 'node:child_process';
import { RyouikiError } from '../errors.js';
import type { OciHook, OciHookKind, OciHooks } from '../oci/bundle.js';
import type { OciState } from './store.js';

/** Hooks run in the container's namespaces; ryouiki-runtime runs hooks only from the host side. */
export const CONTAINER_SIDE_HOOKS: OciHookKind[] = ['createContainer', 'startContainer'];

function hookFailure(kind: OciHookKind, hook: OciHook, why: string): RyouikiError {
  return new RyouikiError('HELPER_FAILED', `${kind} hook ${hook.path} failed: ${why}`);
}

/** Runs one hook with the state on its stdin, as the runtime-spec says; rejects naming it when it fails. */
function runHook(kind: OciHookKind, hook: OciHook, state: OciState): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const [argv0, ...args] = hook.args ?? [hook.path];
    const child = spawn(hook.path, args, { argv0, env: Object.fromEntries((hook.env ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])), stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (hook.timeout !== undefined) {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(hookFailure(kind, hook, `still running after its timeout of ${hook.timeout}s`));
      }, hook.timeout * 1000);
    }
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(state));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(hookFailure(kind, hook, error.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise();
      const said = stderr.trim().split('\n')[0] ?? '';
      reject(hookFailure(kind, hook, `${signal !== null ? `killed by ${signal}` : `exit status ${code}`}${said === '' ? '' : `: ${said}`}`));
    });
  });
}

/** Runs the hooks of one kind in order; the first failure stops them. */
export async function runHooks(hooks: OciHooks, kind: OciHookKind, state: OciState): Promise<void> {
  for (const hook of hooks[kind] ?? []) await runHook(kind, hook, state);
}

/** Runs the hooks of one kind, each failure only warned about (poststart, poststop: the container's fate is sealed). */
export async function runHooksWarning(hooks: OciHooks, kind: OciHookKind, state: OciState, warn: (message: string) => void): Promise<void> {
  for (const hook of hooks[kind] ?? []) {
    try {
      await runHook(kind, hook, state);
    } catch (error) {
      warn((error as Error).message);
    }
  }
}
