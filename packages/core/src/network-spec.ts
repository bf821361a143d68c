import { isNetError, type ContainerNetwork } from '@ryouiki/net';
import { RyouikiError } from './errors.js';
import { BIND_FILE_OPTION, type ContainerSpec, type Mount } from './spec.js';

/** A NetError as the RyouikiError the CLI reports; anything else as it is. */
export function asRyouikiError(error: unknown): unknown {
  return isNetError(error) ? new RyouikiError(error.code, error.message, { cause: error }) : error;
}

/** The spec with the network's generated files bound over the rootfs's. */
export function withBindFiles(spec: ContainerSpec, network: ContainerNetwork): ContainerSpec {
  const mounts: Mount[] = network.bindFiles.map((file) => ({ destination: file.destination, source: file.source, type: 'bind', options: ['bind', BIND_FILE_OPTION] }));
  return { ...spec, mounts: [...(spec.mounts ?? []), ...mounts] };
}
