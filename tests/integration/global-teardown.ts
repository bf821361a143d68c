import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default function globalTeardown(): void {
  const rootfs = process.env.RYOUIKI_TEST_ROOTFS;
  if (rootfs !== undefined) rmSync(dirname(rootfs), { recursive: true, force: true });
}
