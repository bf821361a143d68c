import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stream } from 'node:stream';
import { hostsFile, resolvConf, type HostEntry } from './names.js';
import { NetError } from './net-error.js';
import { hasUserModeNetwork, type NetworkConfig } from './network-mode.js';
import { assertPortsFree, type PortMapping } from './publish.js';
import { findProgram } from './find-program.js';
import { Pasta, pastaNotFound, type PastaLauncher } from './pasta.js';
import { Slirp4netns, slirp4netnsFeatures, slirp4netnsNotFound } from './slirp4netns.js';
import { assertTunAccessible } from './tun-device.js';

/** Everything the command line says about one container's network. */
export interface NetworkRequest {
  config: NetworkConfig;
  publish: PortMapping[];
  dns: string[];
  addHosts: HostEntry[];
  hostname: string;
}

export interface NetworkSetupOptions {
  /** A private folder for this container's files (created, and removed again). */
  stateDir: string;
  /** The container's root filesystem: only read, to see which files can be bound over. */
  rootfs: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * What lets a network outlive this process and end with a supervisor instead:
 * our end of a socket pair whose other end the supervisor holds, and the
 * keeper program (`ryouiki-monitor`) that watches it for a stack without an
 * exit fd of its own (pasta).
 */
export interface SupervisorLink {
  link: Stream;
  keeper: string;
}

/** A host file to bind over a path inside the container. */
export interface BindFile {
  source: string;
  destination: string;
}

/** Refuses, at planning time, what no mode could do: ports published without a network stack. */
export function assertRequestConsistent(request: NetworkRequest): void {
  if (request.publish.length > 0 && !hasUserModeNetwork(request.config.mode)) {
    throw new NetError('PUBLISH_INVALID', `--publish needs --network slirp4netns or pasta, not --network ${request.config.mode}`);
  }
}

/** The name files the network generates and binds over the rootfs's (the rest of /etc is the container's own). */
export const NETWORK_NAME_FILES = ['/etc/resolv.conf', '/etc/hosts'];

/**
 * Whether the network binds its generated file at PATH: over a regular file,
 * or where the rootfs has nothing (the helper makes the mount point without
 * writing into the rootfs).
 */
export function networkBindsFile(rootfs: string, path: string): boolean {
  if (!NETWORK_NAME_FILES.includes(path)) return false;
  const stat = lstatSync(join(rootfs, path), { throwIfNoEntry: false });
  return stat === undefined || stat.isFile();
}

function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Writes the container's /etc/resolv.conf and /etc/hosts into the state
 * folder, to bind over the rootfs's files, or where the rootfs has none (the
 * helper makes the mount point without writing into the rootfs). A rootfs
 * whose path is something else (a symlink, a folder) keeps what it has,
 * unless --dns or --add-host asked for that file: then it is an error.
 */
function writeNameFiles(request: NetworkRequest, options: NetworkSetupOptions): BindFile[] {
  const names = { mode: request.config.mode, hostname: request.hostname, dns: request.dns, addHosts: request.addHosts, hostResolvConf: readHostResolvConf() };
  const files = [
    { destination: '/etc/resolv.conf', text: resolvConf(names), asked: request.dns.length > 0 ? '--dns' : undefined },
    { destination: '/etc/hosts', text: hostsFile(names), asked: request.addHosts.length > 0 ? '--add-host' : undefined },
  ];
  const binds: BindFile[] = [];
  for (const file of files) {
    if (!networkBindsFile(options.rootfs, file.destination)) {
      if (file.asked === undefined) continue;
      const path = join(options.rootfs, file.destination);
      throw new NetError('RESOLV_CONF_MISSING', `${file.asked}: the rootfs's ${file.destination} is not a file to bind the generated one over: make it one (rm ${path}; touch ${path})`);
    }
    const source = join(options.stateDir, file.destination.slice('/etc/'.length));
    writeFileSync(source, file.text, { mode: 0o644 });
    binds.push({ source, destination: file.destination });
  }
  return binds;
}

/** pasta and the setpriv that makes it die with us. */
function pastaBinaries(env: NodeJS.ProcessEnv): { pasta: string; setpriv: string } {
  const pasta = findProgram('pasta', env.RYOUIKI_PASTA, env);
  if (pasta === undefined) throw pastaNotFound();
  const setpriv = findProgram('setpriv', undefined, env);
  if (setpriv === undefined) throw new NetError('PASTA_NOT_FOUND', '--network pasta needs setpriv: install the Debian package util-linux');
  return { pasta, setpriv };
}

function slirp4netnsBinary(env: NodeJS.ProcessEnv): string {
  const binary = findProgram('slirp4netns', env.RYOUIKI_SLIRP4NETNS, env);
  if (binary === undefined) throw slirp4netnsNotFound();
  slirp4netnsFeatures(binary);
  return binary;
}

/**
 * One container's network: prepared before the container exists (checks,
 * generated files), attached once its PID exists and before its command
 * runs, released when it has ended. Nothing of it outlives the container:
 * the generated files and the API socket are removed as soon as the helper
 * and slirp4netns hold them, and slirp4netns ends with this process.
 */
export class ContainerNetwork {
  private stack: Slirp4netns | Pasta | undefined;

  private constructor(
    private readonly request: NetworkRequest,
    private readonly options: NetworkSetupOptions,
    private readonly binaries: { slirp4netns?: string; pasta?: { pasta: string; setpriv: string } },
    readonly bindFiles: BindFile[],
  ) {}

  /** Checks everything that can be checked before a container exists, then writes the name files. */
  static async prepare(request: NetworkRequest, options: NetworkSetupOptions): Promise<ContainerNetwork> {
    assertRequestConsistent(request);
    const env = options.env ?? process.env;
    const binaries = {
      slirp4netns: request.config.mode === 'slirp4netns' ? slirp4netnsBinary(env) : undefined,
      pasta: request.config.mode === 'pasta' ? pastaBinaries(env) : undefined,
    };
    if (hasUserModeNetwork(request.config.mode)) assertTunAccessible();
    await assertPortsFree(request.publish);
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    try {
      return new ContainerNetwork(request, options, binaries, writeNameFiles(request, options));
    } catch (error) {
      rmSync(options.stateDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The helper has opened the name files by now: remove them, then connect
   * the container. With a supervisor link the network ends with the
   * supervisor instead of this process.
   */
  async attach(pid: number, supervisor?: SupervisorLink): Promise<void> {
    for (const file of this.bindFiles) rmSync(file.source, { force: true });
    try {
      const { slirp4netns, pasta } = this.binaries;
      if (pasta !== undefined) this.stack = await Pasta.start(this.pastaLauncher(pasta.setpriv, supervisor), pasta.pasta, pid, this.request.config, this.request.publish);
      if (slirp4netns !== undefined) {
        this.stack = await Slirp4netns.start({
          binary: slirp4netns,
          pid,
          config: this.request.config,
          apiSocket: join(this.options.stateDir, 'slirp4netns.sock'),
          publish: this.request.publish,
          supervisorLink: supervisor?.link,
          stderrFile: join(this.options.stateDir, 'slirp4netns.err'),
        });
      }
    } finally {
      this.removeStateDir();
    }
  }

  private pastaLauncher(setpriv: string, supervisor: SupervisorLink | undefined): PastaLauncher {
    if (supervisor === undefined) return { kind: 'pdeathsig', setpriv };
    return { kind: 'keeper', keeper: supervisor.keeper, supervisorLink: supervisor.link, stderrFile: join(this.options.stateDir, 'pasta.err') };
  }

  /** The pid of the running network stack (slirp4netns, or pasta's keeper), if any. */
  get stackPid(): number | undefined {
    return this.stack?.pid;
  }

  /** Lets a supervised network run on after this process ends; release() no longer applies. */
  letGo(): void {
    this.stack?.letGo();
    this.stack = undefined;
  }

  async release(): Promise<void> {
    await this.stack?.stop();
    this.stack = undefined;
    this.removeStateDir();
  }

  private removeStateDir(): void {
    rmSync(this.options.stateDir, { recursive: true, force: true });
  }
}
