import { isNetError, type ContainerNetwork } from '@ryouiki/net';
import { RyouikiError } from '../errors.js';
import { BIND_FILE_OPTION, isBindFile, type ContainerSpec, type Mount } from '../spec/spec.js';

/** A NetError as the RyouikiError the CLI reports; anything else as it is. */
export function asRyouikiError(error: unknown): unknown {
  return isNetError(error) ? new RyouikiError(error.code, error.message, { cause: error }) : error;
}

/** The spec with the network's generated files bound over the rootfs's. */
export function withBindFiles(spec: ContainerSpec, network: ContainerNetwork): ContainerSpec {
  const mounts: Mount[] = network.bindFiles.map((file) => ({ destination: file.destination, source: file.source, type: 'bind', options: ['bind', BIND_FILE_OPTION] }));
  return { ...spec, mounts: [...(spec.mounts ?? []), ...mounts] };
}

/** The spec as it was before withBindFiles: a record's spec, to start it again with a new network. */
export function withoutBindFiles(spec: ContainerSpec): ContainerSpec {
  return spec.mounts === undefined ? spec : { ...spec, mounts: spec.mounts.filter((mount) => !isBindFile(mount)) };
}
