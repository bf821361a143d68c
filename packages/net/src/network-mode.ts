/**
 * How a container reaches the network. `none` gives it a private network
 * namespace with only `lo` up; `host` keeps the host's network namespace while
 * every other namespace stays private.
 */
export const NETWORK_MODES = ['none', 'host'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const DEFAULT_NETWORK_MODE: NetworkMode = 'none';

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
