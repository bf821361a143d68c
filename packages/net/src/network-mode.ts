import { NetError } from './net-error.js';

/**
 * How a container reaches the network. `slirp4netns` (default) and `pasta`
 * give it a private network namespace connected to the host by a user-mode
 * network stack; `none` a private one with only `lo` up; `host` keeps the
 * host's network namespace while every other namespace stays private.
 */
export const NETWORK_MODES = ['slirp4netns', 'pasta', 'none', 'host'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const DEFAULT_NETWORK_MODE: NetworkMode = 'slirp4netns';
export const DEFAULT_MTU = 65520;
const MAX_SLIRP_MTU = 65521;
const MIN_MTU = 68;

/** A --network value: the mode and its `:key=value,...` options. */
export interface NetworkConfig {
  mode: NetworkMode;
  /** slirp4netns only: let the container reach the host's 127.0.0.1 through 10.0.2.2. */
  allowHostLoopback: boolean;
  mtu: number;
}

export function isNetworkMode(value: string): value is NetworkMode {
  return (NETWORK_MODES as readonly string[]).includes(value);
}

/** The message for a --network value we do not know, naming the ones we do. */
export function unknownNetworkModeMessage(value: string): string {
  return `unknown network mode "${value}": use one of ${NETWORK_MODES.join(', ')}`;
}

/** Whether the container gets a network namespace of its own. */
export function hasPrivateNetworkNamespace(mode: NetworkMode): boolean {
  return mode !== 'host';
}

/** Whether a user-mode network stack connects the container (and -p can publish ports). */
export function hasUserModeNetwork(mode: NetworkMode): boolean {
  return mode === 'slirp4netns' || mode === 'pasta';
}

function parseBoolean(key: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new NetError('NETWORK_MODE_UNKNOWN', `--network slirp4netns: ${key}=${value}: use ${key}=true or ${key}=false`);
}

function parseMtu(value: string): number {
  const mtu = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(mtu >= MIN_MTU && mtu <= MAX_SLIRP_MTU)) {
    throw new NetError('NETWORK_MODE_UNKNOWN', `--network slirp4netns: mtu=${value}: give a number from ${MIN_MTU} to ${MAX_SLIRP_MTU}`);
  }
  return mtu;
}

function applySlirpOption(config: NetworkConfig, option: string): void {
  const [key = '', value, ...rest] = option.split('=');
  if (value === undefined || rest.length > 0) {
    throw new NetError('NETWORK_MODE_UNKNOWN', `--network slirp4netns: ${option}: not key=value (for example allow_host_loopback=true)`);
  }
  if (key === 'allow_host_loopback') config.allowHostLoopback = parseBoolean(key, value);
  else if (key === 'mtu') config.mtu = parseMtu(value);
  else throw new NetError('NETWORK_MODE_UNKNOWN', `--network slirp4netns: unknown option "${key}": use allow_host_loopback or mtu`);
}

/**
 * Parses `--network`: `slirp4netns[:allow_host_loopback=true|false,mtu=N]`,
 * `pasta`, `none` or `host`, as podman spells them.
 */
export function parseNetwork(value: string = DEFAULT_NETWORK_MODE): NetworkConfig {
  const colon = value.indexOf(':');
  const mode = colon < 0 ? value : value.slice(0, colon);
  const options = colon < 0 ? [] : value.slice(colon + 1).split(',');
  if (!isNetworkMode(mode)) throw new NetError('NETWORK_MODE_UNKNOWN', unknownNetworkModeMessage(value));
  const config: NetworkConfig = { mode, allowHostLoopback: false, mtu: DEFAULT_MTU };
  if (colon >= 0 && mode !== 'slirp4netns') {
    throw new NetError('NETWORK_MODE_UNKNOWN', `--network ${mode} takes no options: give --network ${mode}`);
  }
  for (const option of options) applySlirpOption(config, option);
  return config;
}
