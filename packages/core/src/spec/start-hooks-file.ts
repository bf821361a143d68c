import type { ContainerSpec } from './spec.js';

/**
 * The helper's --start-hooks file: NUL-separated, the state's JSON up to its
 * pid value (the helper adds the PID and the closing brace), then for each
 * hook `hook`, its timeout in seconds (0: none), path, the number of its
 * args and the args (argv[0] first), the number of its env entries and them.
 */
export function startHooksFileText(start: NonNullable<ContainerSpec['startContainerHooks']>): string {
  const state = JSON.stringify({ ...start.state, pid: 0 });
  const entries = [state.slice(0, state.lastIndexOf('0}'))];
  for (const hook of start.hooks) {
    const args = hook.args ?? [hook.path];
    const env = hook.env ?? [];
    entries.push('hook', String(hook.timeout ?? 0), hook.path, String(args.length), ...args, String(env.length), ...env);
  }
  return `${entries.join('\0')}\0`;
}
