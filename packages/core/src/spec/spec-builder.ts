import { resolve } from 'node:path';
import { withDefaultPath } from './env-file.js';
import { problemsError } from '../errors.js';
import { DEFAULT_NAMESPACES, OCI_VERSION, type ContainerSpec, type LinuxResources, type Mount } from './spec.js';
import { specProblems } from './validate.js';

/**
 * What a spec's network namespace gives: `none`, a namespace of its own with
 * only loopback; `host`, the host's network. slirp4netns and pasta need a
 * network set up around the run, which planContainer does.
 */
export type SpecNetwork = 'none' | 'host';

/**
 * Builds a ContainerSpec step by step:
 * `containerSpec(rootfs).command('/bin/sh', '-c', 'x').env({ A: '1' }).build()`.
 * build() checks the whole spec and reports every problem at once, each with its field path.
 */
export class ContainerSpecBuilder {
  private args: string[] = [];
  private readonly envEntries: string[] = [];
  private cwd = '/';
  private hostName: string | undefined;
  private networkMode: SpecNetwork = 'none';
  private readonlyRoot = false;
  private readonly mountList: Mount[] = [];
  private limits: LinuxResources | undefined;

  constructor(private readonly rootPath: string) {}

  /** The program and its arguments, run as given (no shell). */
  command(program: string, ...args: string[]): this {
    this.args = [program, ...args];
    return this;
  }

  /** Adds variables, in order; PATH gets a default when none is given. */
  env(variables: Record<string, string>): this {
    for (const [key, value] of Object.entries(variables)) this.envEntries.push(`${key}=${value}`);
    return this;
  }

  workdir(path: string): this {
    this.cwd = path;
    return this;
  }

  hostname(name: string): this {
    this.hostName = name;
    return this;
  }

  network(mode: SpecNetwork): this {
    this.networkMode = mode;
    return this;
  }

  readonly(readonly = true): this {
    this.readonlyRoot = readonly;
    return this;
  }

  mount(mount: Mount): this {
    this.mountList.push(mount);
    return this;
  }

  resources(resources: LinuxResources): this {
    this.limits = resources;
    return this;
  }

  /** The spec as it stands, unchecked. */
  toSpec(): ContainerSpec {
    const namespaces = DEFAULT_NAMESPACES.filter((type) => this.networkMode !== 'host' || type !== 'network');
    const spec: ContainerSpec = {
      ociVersion: OCI_VERSION,
      process: { args: [...this.args], env: withDefaultPath(this.envEntries), cwd: this.cwd },
      root: { path: resolve(this.rootPath), readonly: this.readonlyRoot },
      linux: { namespaces: namespaces.map((type) => ({ type })) },
    };
    if (this.hostName !== undefined) spec.hostname = this.hostName;
    if (this.mountList.length > 0) spec.mounts = this.mountList.map((mount) => ({ ...mount }));
    if (this.limits !== undefined) spec.linux.resources = this.limits;
    return spec;
  }

  /** The checked spec; throws one RyouikiError listing every problem (SPEC_INVALID when there are several). */
  build(): ContainerSpec {
    const spec = this.toSpec();
    const problems = specProblems(spec);
    if (problems.length > 0) throw problemsError(problems);
    return spec;
  }
}

export function containerSpec(rootPath: string): ContainerSpecBuilder {
  return new ContainerSpecBuilder(rootPath);
}
