/** The string codes of networking failures; @ryouiki/core turns them into its RyouikiError. */
export type NetErrorCode =
  | 'NETWORK_MODE_UNKNOWN'
  | 'PUBLISH_INVALID'
  | 'PORT_IN_USE'
  | 'DNS_INVALID'
  | 'ADD_HOST_INVALID'
  | 'RESOLV_CONF_MISSING'
  | 'SLIRP4NETNS_NOT_FOUND'
  | 'PASTA_NOT_FOUND'
  | 'TUN_UNAVAILABLE'
  | 'NETWORK_FAILED';

/** A networking failure: a code for programs, one line for people. */
export class NetError extends Error {
  readonly code: NetErrorCode;

  constructor(code: NetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetError';
    this.code = code;
  }
}

export function isNetError(error: unknown): error is NetError {
  return error instanceof NetError;
}
