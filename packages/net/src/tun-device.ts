import { accessSync, constants, statSync } from 'node:fs';
import { NetError } from './net-error.js';

export const TUN_DEVICE = '/dev/net/tun';

function missingPermission(path: string): string | undefined {
  const wanted: Array<[number, string]> = [
    [constants.R_OK, 'read'],
    [constants.W_OK, 'write'],
  ];
  const missing = wanted.filter(([mode]) => {
    try {
      accessSync(path, mode);
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0 ? undefined : missing.map(([, name]) => name).join(' and ');
}

/**
 * slirp4netns and pasta open /dev/net/tun as the calling user: refuse early,
 * naming the missing permission, when they could not.
 */
export function assertTunAccessible(path: string = TUN_DEVICE): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) {
    throw new NetError('TUN_UNAVAILABLE', `${path} does not exist: load the tun module (modprobe tun) or use --network none`);
  }
  const missing = missingPermission(path);
  if (missing !== undefined) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new NetError('TUN_UNAVAILABLE', `${path} is not accessible: you lack ${missing} permission on it (mode ${mode}, owner uid ${stat.uid}): as root, chmod 0666 ${path}, or use --network none`);
  }
}
