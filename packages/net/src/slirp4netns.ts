import { execFileSync } from 'node:child_process';
import type { Stream } from 'node:stream';
import { rmSync } from 'node:fs';
import { NetworkProcess } from './helper-process.js';
import { NetError } from './net-error.js';
import type { NetworkConfig } from './network-mode.js';
import type { PortMapping } from './publish.js';
import { addHostForward } from './slirp-api.js';

const READY_FD = 3;
const EXIT_FD = 4;
const NOT_INSTALLED = 'slirp4netns is not installed: install the Debian package slirp4netns (apt-get install slirp4netns), or use --network none';

/** The optional flags the installed slirp4netns knows, from its --help. */
export interface Slirp4netnsFeatures {
  sandbox: boolean;
  seccomp: boolean;
}

const featureCache = new Map<string, Slirp4netnsFeatures>();

export function slirp4netnsNotFound(): NetError {
  return new NetError('SLIRP4NETNS_NOT_FOUND', NOT_INSTALLED);
}

/** Reads the installed slirp4netns' --help once; refuses one too old for --ready-fd, --exit-fd and --api-socket. */
export function slirp4netnsFeatures(binary: string): Slirp4netnsFeatures {
  const cached = featureCache.get(binary);
  if (cached !== undefined) return cached;
  let help: string;
  try {
    help = execFileSync(binary, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw slirp4netnsNotFound();
  }
  for (const flag of ['--ready-fd', '--exit-fd', '--api-socket', '--disable-host-loopback']) {
    if (!help.includes(flag)) throw new NetError('SLIRP4NETNS_NOT_FOUND', `${binary} is too old (it lacks ${flag}): install slirp4netns 0.4 or later`);
  }
  const features = { sandbox: help.includes('--enable-sandbox'), seccomp: help.includes('--enable-seccomp') };
  featureCache.set(binary, features);
  return features;
}

export interface Slirp4netnsOptions {
  binary: string;
  pid: number;
  config: NetworkConfig;
  apiSocket: string;
  publish: PortMapping[];
  /**
   * Our end of a socket pair whose other end a supervisor holds: it becomes
   * slirp4netns' exit fd, so it ends with the supervisor instead of with us.
   * Its stderr then goes to stderrFile.
   */
  supervisorLink?: Stream;
  stderrFile?: string;
}

export function slirp4netnsArgs(options: Slirp4netnsOptions, features: Slirp4netnsFeatures): string[] {
  const args = ['--configure', `--mtu=${options.config.mtu}`];
  if (!options.config.allowHostLoopback) args.push('--disable-host-loopback');
  if (features.sandbox) args.push('--enable-sandbox');
  if (features.seccomp) args.push('--enable-seccomp');
  args.push(`--ready-fd=${READY_FD}`, `--exit-fd=${EXIT_FD}`, `--api-socket=${options.apiSocket}`, String(options.pid), 'tap0');
  return args;
}

/** Resolves once slirp4netns writes on its ready fd (tap0 is up); rejects with its stderr if it exits first. */
function waitReady(slirp: NetworkProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    slirp.fd(READY_FD).once('data', () => resolve());
    void slirp.waitExit().then((spawnError) => {
      if (spawnError !== undefined) reject(slirp4netnsNotFound());
      else reject(new NetError('NETWORK_FAILED', `slirp4netns failed: ${slirp.stderr || `it exited with ${slirp.child.exitCode ?? slirp.child.signalCode}`}`));
    });
  });
}

/** A running slirp4netns for one container. */
export class Slirp4netns {
  private constructor(
    private readonly process: NetworkProcess,
    private readonly supervised: boolean,
  ) {}

  get pid(): number | undefined {
    return this.process.pid;
  }

  /**
   * Starts slirp4netns for the container's network namespace, waits until
   * tap0 is up, publishes the ports, then removes the API socket's file (so a
   * SIGKILL of ryouiki leaves nothing behind). Stops it again on any failure.
   */
  static async start(options: Slirp4netnsOptions): Promise<Slirp4netns> {
    const features = slirp4netnsFeatures(options.binary);
    const inherited: Record<number, Stream> = options.supervisorLink === undefined ? {} : { [EXIT_FD]: options.supervisorLink };
    const process = new NetworkProcess(options.binary, slirp4netnsArgs(options, features), 2, options.supervisorLink && options.stderrFile, inherited);
    const slirp = new Slirp4netns(process, options.supervisorLink !== undefined);
    try {
      await waitReady(slirp.process);
      for (const mapping of options.publish) await addHostForward(options.apiSocket, mapping);
      return slirp;
    } catch (error) {
      await slirp.stop();
      throw error;
    } finally {
      rmSync(options.apiSocket, { force: true });
    }
  }

  /** Ends it by closing its exit fd, as the death of this process would; one a supervisor holds gets SIGTERM. */
  async stop(): Promise<void> {
    await this.process.stop(this.supervised ? undefined : () => this.process.fd(EXIT_FD).destroy());
  }

  /** Lets a supervised one run on after this process ends. */
  letGo(): void {
    this.process.letGo();
  }
}
