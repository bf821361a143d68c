/**
 * Requested id maps are never silently replaced: a bundle's
 * linux.uidMappings that newuidmap refuses (ids the user was not granted) is
 * an error naming the field, not a run with a single-id map and a warning
 * the engine may never show. (Ryouiki's own default full map may still fall
 * back, with a warning, as podman's does.)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY_POINTS, writeEscapeBundle } from './escape-harness.js';
import { collect, expectNoLeftovers, makeTempDir, removeDir, RYOUIKI, testRootfs, type Outcome } from './harness.js';
import { containersIn } from './oci-harness.js';

let work: string;
let runtimeRoot: string;
let subordinateStart: number;
let count = 0;

beforeAll(() => {
  work = makeTempDir('escape-idmap');
  runtimeRoot = join(work, 'runtime-root');
  const line = readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${userInfo().username}:`));
  subordinateStart = Number(line?.split(':')[1]);
});
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
  expect(containersIn(runtimeRoot)).toEqual([]);
});

function bundleWithMaps(hostStart: number): string {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return writeEscapeBundle(join(work, `bundle-${count++}`), testRootfs(), ['/bin/cat', '/proc/self/uid_map'], (config) => {
    config.linux.uidMappings = [
      { containerID: 0, hostID: uid, size: 1 },
      { containerID: 1, hostID: hostStart, size: 1000 },
    ];
    config.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  });
}

function runtimeRun(bundle: string): Promise<Outcome> {
  return collect(spawn(ENTRY_POINTS.runtime, ['--root', runtimeRoot, 'run', '--bundle', bundle, `idmap-${count++}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

function tenkaiBundle(bundle: string): Promise<Outcome> {
  return collect(spawn(RYOUIKI, ['tenkai', '--root', join(work, 'store'), '--bundle', bundle], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe("a bundle's linux.uidMappings", () => {
  it("baseline: a range of the user's own is mapped as given", async () => {
    expect(Number.isInteger(subordinateStart)).toBe(true);
    const bundle = bundleWithMaps(subordinateStart);
    for (const out of [await runtimeRun(bundle), await tenkaiBundle(bundle)]) {
      expect(
        out.stdout
          .trim()
          .split('\n')
          .map((line) => line.trim().split(/\s+/)),
      ).toEqual([
        ['0', String(process.getuid?.()), '1'],
        ['1', String(subordinateStart), '1000'],
      ]);
    }
  });

  it('that newuidmap refuses is an error naming the field, never a single-id map', async () => {
    // Ids of root's, granted to nobody here.
    const bundle = bundleWithMaps(1);
    for (const out of [await runtimeRun(bundle), await tenkaiBundle(bundle)]) {
      expect(out.stdout).toBe('');
      expect(out.exitCode).toBe(125);
      expect(out.stderr).toMatch(/linux\.uidMappings: newuidmap refused them \(.+\): give ranges of your own in \/etc\/subuid/);
      expect(out.stderr).not.toMatch(/single-id map/);
    }
  });
});
