import { planContainer, shortId, newContainerId, type ContainerOptions, type ContainerPlan } from '../spec/container-options.js';
import { containerLogPath, keptOverlayDir, type ContainerState, type RelaunchRecord } from '../store/container-state.js';
import type { CgroupOptions } from '../cgroup/cgroup-system.js';
import { cacheDir, type StoreOptions } from '../store/paths.js';
import { processIdentity } from '../store/proc-identity.js';
import { storeDirs } from '../store/runtime-dir.js';
import type { ContainerSpec } from '../spec/spec.js';
import { assertValidSpec } from '../spec/validate.js';
import { RyouikiError } from '../errors.js';
import { ensureImage, resolveImage } from '../images/resolve.js';
import type { PullOptions } from '../images/pull.js';
import type { Launch } from './pipeline.js';
import { StoreRecorder, type LaunchRecorder } from './record.js';
import { warnOnceOnStderr, type Warn } from './resource.js';
import { containerResources } from './resources.js';

/**
 * A container as a library caller describes it: the options of `ryouiki
 * tenkai`, named as in the package README. `command` is a program and its
 * arguments (executed directly), or a string for the rootfs's `/bin/sh -c`.
 */
export interface ContainerRequest extends Omit<ContainerOptions, 'path' | 'command' | 'args' | 'limits' | 'image'> {
  /** The root filesystem folder; or give image. */
  rootfs?: string;
  /** An image of the store (`alpine`, `localhost:5000/debian:12`): its layers under a fresh overlay, its config's defaults. run() and start() pull it first when the store lacks it. */
  image?: string;
  /** How to reach the registry when the image must be pulled (`{ tlsVerify: false }` for a plain HTTP one). */
  pull?: Omit<PullOptions, 'root'>;
  /** With an image, replaces its Cmd (its Entrypoint stays); without, required. */
  command?: string[] | string;
  /** A unique name, for ps, stop, kill, exec and stats (default: its short id). */
  name?: string;
  /** `KEY=VALUE` entries, after those of envFile. */
  env?: string[];
  memory?: string;
  memorySwap?: string;
  pidsLimit?: string | number;
  cpus?: string | number;
  cpuWeight?: string | number;
}

/** What run() and start() take: a request, a plan (planContainer, planBundle), or a bare spec (no network set up around it). */
export type Launchable = ContainerRequest | ContainerPlan | ContainerSpec;

function text(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** The request as planContainer's options: the one place the library's names meet the command line's. */
export function requestOptions(request: ContainerRequest, store: StoreOptions = {}): ContainerOptions {
  const { rootfs, image, pull: _pull, command, name: _name, memory, memorySwap, pidsLimit, cpus, cpuWeight, ...rest } = request;
  if (rootfs === undefined && image === undefined) throw new RyouikiError('USAGE', 'no container given: a request needs rootfs or image');
  if (rootfs !== undefined && image !== undefined) throw new RyouikiError('USAGE', 'give a request either rootfs or image, not both');
  return {
    ...rest,
    path: rootfs ?? '',
    ...(image === undefined ? {} : { image: resolveImage(image, store) }),
    ...(typeof command === 'string' ? { command } : { args: command ?? [] }),
    limits: { memory, memorySwap, pidsLimit: text(pidsLimit), cpus: text(cpus), cpuWeight: text(cpuWeight) },
  };
}

function isRequest(value: Launchable): value is ContainerRequest {
  return !isSpec(value) && !isPlan(value);
}

/** Pulls a request's image when the store lacks it, as podman run does (its default pull policy, missing). */
export async function pullRequestImage(container: Launchable, options: StoreOptions): Promise<void> {
  if (isRequest(container) && container.image !== undefined) await ensureImage(container.image, { ...container.pull, root: options.root });
}

function isSpec(value: Launchable): value is ContainerSpec {
  return 'process' in value && 'root' in value;
}

function isPlan(value: Launchable): value is ContainerPlan {
  return 'spec' in value && 'id' in value;
}

interface PlanOptions extends StoreOptions {
  id?: string;
  commandLabel?: string;
  onWarning?: Warn;
}

/** Any launchable as a validated plan, its warnings said; the caller's id and label win. */
export function toPlan(container: Launchable, options: PlanOptions): ContainerPlan {
  let plan: ContainerPlan;
  if (isSpec(container)) plan = { id: newContainerId(), spec: container, commandLabel: container.process.args.join(' '), warnings: [] };
  else if (isPlan(container)) plan = { ...container };
  else plan = { ...planContainer(requestOptions(container, options)), ...(container.name === undefined ? {} : { name: container.name }) };
  assertValidSpec(plan.spec);
  if (options.id !== undefined) plan.id = options.id;
  if (options.commandLabel !== undefined) plan.commandLabel = options.commandLabel;
  for (const warning of plan.warnings) (options.onWarning ?? warnOnceOnStderr)(warning);
  return plan;
}

export interface RecordOptions extends StoreOptions {
  name?: string;
  autoRemove?: boolean;
}

/** The container's first state.json in ryouiki's store. */
export function containerRecord(plan: ContainerPlan, options: RecordOptions, how: { supervised: boolean; terminal?: Partial<ContainerState>; relaunch?: RelaunchRecord }): StoreRecorder {
  const dirs = storeDirs(options);
  const state: ContainerState = {
    id: plan.id,
    name: options.name ?? plan.name ?? shortId(plan.id),
    command: plan.commandLabel,
    spec: plan.spec,
    status: 'created',
    createdAt: new Date().toISOString(),
    logPath: containerLogPath(dirs, plan.id),
    // A foreground container is removed once it has ended, as podman run --rm.
    autoRemove: how.supervised ? (options.autoRemove ?? false) : true,
    resources: [],
    creator: processIdentity(process.pid),
    ...how.terminal,
    ...(how.relaunch === undefined ? {} : { relaunch: how.relaunch }),
  };
  return new StoreRecorder(dirs, state, how.supervised);
}

export interface LaunchOptions extends StoreOptions {
  cgroups?: CgroupOptions;
  onWarning?: Warn;
}

/** The plan as a launch: its resources, from the one registry, recorded by RECORDER. */
export function launchOf(plan: ContainerPlan, options: LaunchOptions, recorder: LaunchRecorder, runtime = storeDirs(options).runtime): Launch {
  const kept = recorder.keepsEnded === true ? { keptOverlayDir: keptOverlayDir(storeDirs(options), plan.id) } : {};
  const warn = options.onWarning ?? warnOnceOnStderr;
  const resources = containerResources(plan, { runtime, cache: cacheDir(options), cgroups: options.cgroups, warn, ...kept });
  return { spec: plan.spec, resources, recorder, warn };
}
