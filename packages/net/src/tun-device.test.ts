import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { assertTunAccessible } from './tun-device.js';

const dir = mkdtempSync(join(tmpdir(), 'ryouiki-tun-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('/dev/net/tun check', () => {
  it('says which permission is missing', () => {
    const device = join(dir, 'tun-ro');
    writeFileSync(device, '');
    chmodSync(device, 0o444);
    expect(() => assertTunAccessible(device)).toThrow(
      `${device} is not accessible: you lack write permission on it (mode 0444, owner uid ${process.getuid?.()}): as root, chmod 0666 ${device}, or use --network none`,
    );
    chmodSync(device, 0o000);
    expect(() => assertTunAccessible(device)).toThrow('you lack read and write permission on it (mode 0000');
  });

  it('says when the device does not exist', () => {
    expect(() => assertTunAccessible(join(dir, 'none'))).toThrow(`${join(dir, 'none')} does not exist: load the tun module (modprobe tun) or use --network none`);
  });

  it('accepts a device this user can read and write', () => {
    const device = join(dir, 'tun-rw');
    writeFileSync(device, '');
    expect(() => assertTunAccessible(device)).not.toThrow();
  });
});
