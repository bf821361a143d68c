/**
 * io_uring bypasses the syscall filter (its operations are not syscalls) and
 * has been a steady source of kernel exploits: the default filter refuses it,
 * as podman's and Docker's do, for every entry point that applies Ryouiki's
 * default filter (an OCI bundle brings its own, or none).
 */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ryouiki } from './harness.js';
import { useEscapeWorkspace } from './escape-harness.js';

const space = useEscapeWorkspace('escape-seccomp');

describe('io_uring', () => {
  it('baseline: works on the host and in a container without a filter', async () => {
    expect(execFileSync(join(space.rootfs, 'bin', 'escape-probe'), ['io_uring'], { encoding: 'utf8' })).toBe('io_uring: OK\n');
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--seccomp', 'unconfined', '--', '/bin/escape-probe', 'io_uring']);
    expect(out.stdout).toBe('io_uring: OK\n');
  });

  it('is refused by the default filter in tenkai, with any capability added, and in start and exec', async () => {
    for (const flags of [[], ['--cap-add', 'SYS_ADMIN'], ['--cap-add', 'ALL']]) {
      const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, ...flags, '--', '/bin/escape-probe', 'io_uring']);
      expect({ flags, stdout: out.stdout }).toEqual({ flags, stdout: 'io_uring: EPERM\n' });
    }
    const started = await ryouiki(['start', '--path', space.rootfs, '--root', space.store, '--command', '/bin/escape-probe io_uring; sleep 60']);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();
    try {
      expect((await ryouiki(['exec', '--root', space.store, id, '/bin/escape-probe', 'io_uring'])).stdout).toBe('io_uring: EPERM\n');
      expect((await ryouiki(['logs', '--root', space.store, id])).stdout).toBe('io_uring: EPERM\n');
    } finally {
      await ryouiki(['rm', '-f', '--root', space.store, id]);
    }
  });

  it('ryouiki-init itself (PID 1) is under the same filter', async () => {
    const out = await ryouiki(['tenkai', '--path', space.rootfs, '--root', space.store, '--command', 'grep -E "^Seccomp(_filters)?:" /proc/1/status /proc/self/status']);
    expect(out.stdout).toBe('/proc/1/status:Seccomp:\t2\n/proc/1/status:Seccomp_filters:\t1\n/proc/self/status:Seccomp:\t2\n/proc/self/status:Seccomp_filters:\t1\n');
  });
});

/** The helper's cache entry layout (helper/src/seccomp-filter.h): a 48-byte header, the rules, the BPF program. */
const HEADER_BYTES = 48;

/** FNV-1a 64 of BYTES, the helper's checksum of a cached program. */
function fnv1a64(bytes: Buffer): bigint {
  let hash = 14695981039346656037n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 1099511628211n) & 0xffffffffffffffffn;
  return hash;
}

interface CacheEntry {
  header: Buffer;
  rules: Buffer;
  program: Buffer;
}

function parseEntry(file: string): CacheEntry {
  const bytes = readFileSync(file);
  const rulesLength = bytes.readUInt32LE(32);
  return { header: bytes.subarray(0, HEADER_BYTES), rules: bytes.subarray(HEADER_BYTES, HEADER_BYTES + rulesLength), program: bytes.subarray(HEADER_BYTES + rulesLength) };
}

/** An entry for RULES holding PROGRAM, its header as the helper writes it (lengths and checksum made to fit). */
function forgeEntry(like: CacheEntry, rules: Buffer, program: Buffer): Buffer {
  const header = Buffer.from(like.header);
  header.writeUInt32LE(rules.length, 32);
  header.writeUInt32LE(program.length / 8, 36);
  header.writeBigUInt64LE(fnv1a64(program), 40);
  return Buffer.concat([header, rules, program]);
}

describe('the cache of compiled filters', () => {
  const probe = async (root: string, flags: string[] = []) => (await ryouiki(['tenkai', '--path', space.rootfs, '--root', root, ...flags, '--', '/bin/escape-probe', 'io_uring'])).stdout;
  const entries = (root: string) => readdirSync(join(root, 'cache', 'seccomp')).map((name) => join(root, 'cache', 'seccomp', name));

  it('keeps one entry a profile, takes it from there, and rebuilds one that is damaged, truncated or of other rules', async () => {
    const root = join(space.work, 'cache-store');
    expect(await probe(root)).toBe('io_uring: EPERM\n');
    const [file, ...others] = entries(root);
    expect(others).toEqual([]);
    const built = readFileSync(file!);
    expect(built.subarray(0, 16).toString()).toBe('ryouiki-seccomp1');
    expect(parseEntry(file!).rules.toString()).toMatch(/^default /);

    // Taken as it is: not written again.
    const { ino, mtimeMs } = statSync(file!);
    expect(await probe(root)).toBe('io_uring: EPERM\n');
    expect(statSync(file!)).toMatchObject({ ino, mtimeMs });

    const damaged = Buffer.from(built);
    damaged[damaged.length - 3]! ^= 0xff;
    const allowAll = join(space.work, 'allow-all.json');
    writeFileSync(allowAll, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_ERRNO' }] }));
    expect(await probe(root, ['--seccomp', allowAll])).toBe('io_uring: OK\n');
    const other = entries(root).find((entry) => entry !== file)!;
    for (const spoiled of [damaged, built.subarray(0, built.length - 8), readFileSync(other), Buffer.alloc(0)]) {
      writeFileSync(file!, spoiled);
      expect(await probe(root)).toBe('io_uring: EPERM\n');
      expect(readFileSync(file!).equals(built)).toBe(true);
    }
  });

  it('is really used: an entry of the default rules holding an allow-all program is what the container gets', async () => {
    const root = join(space.work, 'forged-store');
    const allowAll = join(space.work, 'allow-all-forged.json');
    writeFileSync(allowAll, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_ERRNO' }] }));
    expect(await probe(root, ['--seccomp', allowAll])).toBe('io_uring: OK\n');
    const [allowFile] = entries(root);
    expect(await probe(root)).toBe('io_uring: EPERM\n');
    const defaultFile = entries(root).find((entry) => entry !== allowFile)!;
    const defaults = parseEntry(defaultFile);
    // The cache is the user's own file, trusted as their other files are: whoever can write it chooses the filter.
    writeFileSync(defaultFile, forgeEntry(defaults, defaults.rules, parseEntry(allowFile!).program));
    expect(await probe(root)).toBe('io_uring: OK\n');
  });
});
