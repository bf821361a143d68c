import { planContainer, shortId, newContainerId, type ContainerOptions, type ContainerPlan } from '../container-options.js';
import { containerLogPath, type ContainerState, type RelaunchRecord } from '../container-state.js';
import type { CgroupOptions } from '../cgroup-system.js';
import type { StoreOptions } from '../paths.js';
import { processIdentity } from '../proc-identity.js';
import { storeDirs } from '../runtime-dir.js';
import type { ContainerSpec } from '../spec.js';
import { assertValidSpec } from '../validate.js';
import type { Launch } from './pipeline.js';
import { StoreRecorder, type LaunchRecorder } from './record.js';
import { warnOnceOnStderr, type Warn } from './resource.js';
import { containerResources } from './resources.js';

/**
 * A container as a library caller describes it: the options of `ryouiki
 * tenkai`, named as in the package README. `command` is a program and its
 * arguments (executed directly), or a string for the rootfs's `/bin/sh -c`.
 */
export interface ContainerRequest extends Omit<ContainerOptions, 'path' | 'command' | 'args' | 'limits'> {
  rootfs: string;
  command: string[] | string;
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
export function requestOptions(request: ContainerRequest): ContainerOptions {
  const { rootfs, command, name: _name, memory, memorySwap, pidsLimit, cpus, cpuWeight, ...rest } = request;
  return {
    ...rest,
    path: rootfs,
    ...(typeof command === 'string' ? { command } : { args: command }),
    limits: { memory, memorySwap, pidsLimit: text(pidsLimit), cpus: text(cpus), cpuWeight: text(cpuWeight) },
  };
}

function isSpec(value: Launchable): value is ContainerSpec {
  return 'process' in value && 'root' in value;
}

function isPlan(value: Launchable): value is ContainerPlan {
  return 'spec' in value && 'id' in value;
}

interface PlanOptions {
  id?: string;
  commandLabel?: string;
  onWarning?: Warn;
}

/** Any launchable as a validated plan, its warnings said; the caller's id and label win. */
export function toPlan(container: Launchable, options: PlanOptions): ContainerPlan {
  let plan: ContainerPlan;
  if (isSpec(container)) plan = { id: newContainerId(), spec: container, commandLabel: container.process.args.join(' '), warnings: [] };
  else if (isPlan(container)) plan = { ...container };
  else plan = { ...planContainer(requestOptions(container)), ...(container.name === undefined ? {} : { name: container.name }) };
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
  const resources = containerResources(plan, { runtime, cgroups: options.cgroups, warn: options.onWarning ?? warnOnceOnStderr });
  return { spec: plan.spec, resources, recorder };
}
