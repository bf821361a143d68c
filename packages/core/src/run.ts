import type { CgroupOptions } from './cgroup/cgroup-system.js';
import { launchForeground, type ContainerRun, type ForegroundOptions, type ForegroundResult } from './launch/foreground.js';
import { containerRecord, launchOf, pullRequestImage, toPlan, type Launchable } from './launch/plan.js';
import type { StoreOptions } from './store/paths.js';
import type { TerminalOptions } from './helper/terminal.js';

export type { ContainerRun } from './launch/foreground.js';

export interface RunOptions extends StoreOptions, TerminalOptions {
  /** `inherit` passes this process's stdin, stdout and stderr straight through; `pipe` (default) gives them as streams. */
  stdio?: 'inherit' | 'pipe';
  /** What the command reads on stdin, in `pipe` mode: a string, bytes, or a stream. Without it, write to the returned stdin and end it. */
  input?: ForegroundOptions['input'];
  /** Collect stdout and stderr into the result (default true); turn off when reading the streams yourself. */
  buffer?: boolean;
  /** Aborting it kills the container and everything in it; run() then rejects with code ABORTED. */
  signal?: AbortSignal;
  /** Milliseconds after which the container is killed; run() then rejects with code TIMED_OUT. */
  timeout?: number;
  /** Also reject, with code COMMAND_FAILED, when the command exits non-zero (as execa's reject). Default false. */
  rejectOnExitCode?: boolean;
  /** Forward the signals this process gets to the container while it runs (the CLI does). */
  forwardSignals?: boolean;
  /** How ps and the process log name the command; default: the arguments joined by spaces. */
  commandLabel?: string;
  /** The container's id (default: the plan's, or a new one); the hostname defaults to its short form. */
  id?: string;
  /** A unique name, so that ps, stop, kill, exec and stats reach it (default: its short id). */
  name?: string;
  /** Where the container's cgroup goes, or none (`enabled: false`); see planCgroup. */
  cgroups?: CgroupOptions;
  /** Where to say what the person should know (a fallback to the single-id map); default: stderr, once each. */
  onWarning?: (message: string) => void;
}

/** How a foreground container ended; see ForegroundResult. */
export type RunResult = ForegroundResult;

/**
 * Runs a container in the foreground: records it in the store (ps, stop,
 * exec and stats reach it), prepares its resources (its network included),
 * starts the helper, records the process in the seed's binding_vow log once
 * its PID exists, and resolves with the command's exit code once everything
 * is released. Like execa, the returned promise also carries the streams and
 * kill(). Rejects only when the runtime itself fails (or aborts, or times
 * out), not when the command exits non-zero unless rejectOnExitCode is set.
 *
 *   const result = await run({ rootfs: '/tmp/rootfs', command: ['echo', 'hi'] });
 *   const fromImage = await run({ image: 'alpine', command: ['echo', 'hi'] }); // pulled first if missing
 */
export function run(container: Launchable, options: RunOptions = {}): ContainerRun {
  const planned = (async () => {
    await pullRequestImage(container, options);
    const plan = toPlan(container, options);
    return { id: plan.id, launch: launchOf(plan, options, containerRecord(plan, options, { supervised: false })) };
  })();
  return launchForeground(planned, options);
}
