import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { capabilityNumbers, capabilitySet } from './capabilities.js';
import type { SpecProblem } from '../errors.js';
import { helperFailure } from '../helper/helper.js';
import { fullMappings, idMapArgs, planIdMaps, subordinateRange } from './id-map.js';
import { DEFAULT_SECCOMP, defaultSeccomp, maskedValuesExcept, seccompRules } from './seccomp.js';
import { resolveUser, userMappingProblems } from './user.js';
import { mountArgs, parseTmpfs, parseVolume, resolveInRootfs } from './volumes.js';

const base = mkdtempSync(join(tmpdir(), 'ryouiki-isolation-'));
const rootfs = join(base, 'rootfs');
mkdirSync(join(rootfs, 'etc'), { recursive: true });
mkdirSync(join(rootfs, 'usr', 'lib'), { recursive: true });
mkdirSync(join(rootfs, 'data'));
symlinkSync('/usr/lib', join(rootfs, 'lib'));
symlinkSync('../../../../..', join(rootfs, 'up'));
writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/:/bin/sh\n');
writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('subordinate ids', () => {
  const text = 'alice:100000:65536\n1001:200000:1000\nbroken:x:y\n';
  it('finds the range by name or by uid', () => {
    expect(subordinateRange(text, 'alice', 1000)).toEqual({ start: 100000, count: 65536 });
    expect(subordinateRange(text, 'bob', 1001)).toEqual({ start: 200000, count: 1000 });
    expect(subordinateRange(text, 'broken', 5)).toBeUndefined();
    expect(subordinateRange('', 'alice', 1000)).toBeUndefined();
  });
  it('maps container 0 to the caller and 1..N to the range', () => {
    expect(fullMappings(1000, { start: 100000, count: 65536 })).toEqual([
      { containerID: 0, hostID: 1000, size: 1 },
      { containerID: 1, hostID: 100000, size: 65536 },
    ]);
  });
});

describe('planIdMaps', () => {
  const etc = join(base, 'etc-ids');
  mkdirSync(etc);
  const name = userInfo().username;
  const uid = process.geteuid?.() ?? 0;

  it('falls back to the single-id map, saying why, without a range', () => {
    writeFileSync(join(etc, 'subuid'), 'someone-else:100000:65536\n');
    writeFileSync(join(etc, 'subgid'), '');
    const plan = planIdMaps('auto', process.env, etc);
    expect(plan.uidMappings).toEqual([{ containerID: 0, hostID: uid, size: 1 }]);
    expect(plan.fallbackReason).toBe(`${name} has no subordinate id range in ${join(etc, 'subuid')}`);
  });

  it('falls back when newuidmap is not installed, and maps the range when it is', () => {
    writeFileSync(join(etc, 'subuid'), `${name}:100000:65536\n`);
    writeFileSync(join(etc, 'subgid'), `${uid}:200000:1000\n`);
    expect(planIdMaps('auto', { PATH: join(base, 'no-bin') }, etc).fallbackReason).toBe('newuidmap is not installed (apt-get install uidmap)');
    const bin = join(base, 'bin');
    mkdirSync(bin);
    for (const tool of ['newuidmap', 'newgidmap']) writeFileSync(join(bin, tool), '', { mode: 0o755 });
    const plan = planIdMaps('auto', { PATH: bin }, etc);
    expect(plan.fallbackReason).toBeUndefined();
    expect(plan.uidMappings[1]).toEqual({ containerID: 1, hostID: 100000, size: 65536 });
    expect(plan.gidMappings[1]).toEqual({ containerID: 1, hostID: 200000, size: 1000 });
  });

  it("gives the helper the full maps, the tools found on PATH, and the fallback for Ryouiki's default map only", () => {
    const bin = join(base, 'tools-bin');
    mkdirSync(bin);
    for (const tool of ['newuidmap', 'newgidmap']) writeFileSync(join(bin, tool), '', { mode: 0o755 });
    const uidMappings = [
      { containerID: 0, hostID: uid, size: 1 },
      { containerID: 1, hostID: 100000, size: 65536 },
    ];
    const gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    const tools = ['--newuidmap', join(bin, 'newuidmap'), '--newgidmap', join(bin, 'newgidmap')];
    expect(idMapArgs({ uidMappings, gidMappings }, { PATH: `${join(base, 'no-bin')}:${bin}` })).toEqual(['--uid-map', `0:${uid}:1`, '--uid-map', '1:100000:65536', '--gid-map', '0:1000:1', ...tools]);
    expect(idMapArgs({ uidMappings, gidMappings, idMapsAreDefault: true }, { PATH: bin }).slice(-1)).toEqual(['--id-map-fallback']);
    expect(idMapArgs({ uidMappings, gidMappings }, { PATH: join(base, 'no-bin') })).not.toContain('--newuidmap');
    expect(idMapArgs({ uidMappings: [{ containerID: 0, hostID: uid, size: 1 }], gidMappings }, { PATH: bin })).toEqual([]);
  });

  it("turns the helper's id map failures into IDMAP_FAILED, saying what to fix", () => {
    const uidFailure = helperFailure('id map: newuidmap: newuidmap: uid range [1-1001) -> [1-1001) not allowed', 125);
    expect(uidFailure.code).toBe('IDMAP_FAILED');
    expect(uidFailure.message).toBe('linux.uidMappings: newuidmap refused them (newuidmap: uid range [1-1001) -> [1-1001) not allowed): give ranges of your own in /etc/subuid');
    const gidFailure = helperFailure('id map: newgidmap: newgidmap: write to gid_map failed', 125);
    expect(gidFailure.code).toBe('IDMAP_FAILED');
    expect(gidFailure.message).toBe('newgidmap failed: newgidmap: write to gid_map failed: check /etc/subgid, or use --userns=single');
    expect(helperFailure('id map: write /proc/1/uid_map: Invalid argument', 125).code).toBe('HELPER_FAILED');
  });

  it('keeps the single-id map silently with single', () => {
    expect(planIdMaps('single', process.env, etc)).toEqual({ uidMappings: [{ containerID: 0, hostID: uid, size: 1 }], gidMappings: [{ containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 }] });
  });
});

describe('--user', () => {
  it('resolves numbers and names from the rootfs only', () => {
    const problems: SpecProblem[] = [];
    expect(resolveUser(rootfs, '1000', problems)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser(rootfs, '4242', problems)).toEqual({ uid: 4242, gid: 0 });
    expect(resolveUser(rootfs, 'app:staff', problems)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveUser(rootfs, '7:8', problems)).toEqual({ uid: 7, gid: 8 });
    expect(problems).toEqual([]);
  });
  it('says what is wrong with a name the rootfs lacks', () => {
    const problems: SpecProblem[] = [];
    expect(resolveUser(rootfs, 'ghost', problems)).toBeUndefined();
    expect(resolveUser(rootfs, 'app:nogroup', problems)).toBeUndefined();
    expect(resolveUser(rootfs, 'a:b:c', problems)).toBeUndefined();
    expect(problems.map((p) => p.code)).toEqual(['USER_UNKNOWN', 'USER_UNKNOWN', 'USER_UNKNOWN']);
    expect(problems[0]?.message).toMatch(/^--user ghost: the rootfs has no user ghost in \/etc\/passwd: /);
  });
  it('refuses an id beyond the maps', () => {
    expect(userMappingProblems({ uid: 1000, gid: 1000 }, 1, 1, '1000')).toHaveLength(1);
    expect(userMappingProblems({ uid: 1000, gid: 1000 }, 65537, 65537, '1000')).toEqual([]);
    expect(userMappingProblems({ uid: 0, gid: 0 }, 1, 1, '0')).toEqual([]);
  });
});

describe('capabilities', () => {
  it("starts from podman's default set", () => {
    expect(capabilityNumbers(capabilitySet([], [], []))).toBe('0,1,3,4,5,6,7,8,10,18,31');
  });
  it('adds and drops names, with or without CAP_, and ALL', () => {
    const problems: SpecProblem[] = [];
    expect(capabilitySet(['net_raw'], ['CAP_KILL'], problems)).toContain('CAP_NET_RAW');
    expect(capabilitySet(['net_raw'], ['CAP_KILL'], problems)).not.toContain('CAP_KILL');
    expect(capabilitySet([], ['ALL'], problems)).toEqual([]);
    expect(capabilitySet(['CHOWN'], ['ALL'], problems)).toEqual(['CAP_CHOWN']);
    expect(capabilitySet(['ALL'], [], problems)).toHaveLength(41);
    expect(problems).toEqual([]);
  });
  it('refuses an unknown name', () => {
    const problems: SpecProblem[] = [];
    capabilitySet(['FLY'], [], problems);
    expect(problems[0]?.code).toBe('CAPABILITY_UNKNOWN');
  });
});

describe('volumes', () => {
  it('resolves container paths inside the rootfs, symlinks and .. included', () => {
    expect(resolveInRootfs(rootfs, '/lib')).toBe(join(rootfs, 'usr', 'lib'));
    expect(resolveInRootfs(rootfs, '/up/etc')).toBe(join(rootfs, 'etc'));
    expect(resolveInRootfs(rootfs, '/../../etc/passwd')).toBe(join(rootfs, 'etc', 'passwd'));
    expect(resolveInRootfs(rootfs, '/nope')).toBeUndefined();
  });
  it("turns -v and --tmpfs into OCI mounts and the helper's flags", () => {
    const problems: SpecProblem[] = [];
    const bind = parseVolume(`${base}:/data:ro`, problems);
    const tmpfs = parseTmpfs('/data:size=1m', problems);
    expect(problems).toEqual([]);
    expect(bind).toEqual({ destination: '/data', source: base, type: 'bind', options: ['rbind', 'ro'] });
    expect(mountArgs([bind!, tmpfs!])).toEqual(['--ro-bind', `${base}:/data`, '--tmpfs', '/data:size=1m']);
  });
  it('refuses bad volumes, and leaves a missing mount point to the helper', () => {
    const problems: SpecProblem[] = [];
    parseVolume(`${base}/missing:/data`, problems);
    parseVolume(`${base}:data`, problems);
    parseVolume(`${base}:/data:rx`, problems);
    expect(parseVolume(`${base}:/new`, problems)).toMatchObject({ destination: '/new' });
    expect(problems.map((p) => p.code)).toEqual(['VOLUME_SOURCE_NOT_FOUND', 'VOLUME_INVALID', 'VOLUME_INVALID']);
  });
});

describe('seccomp', () => {
  it("writes the default profile as the helper's rules: an allow list", () => {
    const lines = seccompRules(DEFAULT_SECCOMP).split('\n');
    expect(lines[0]).toBe('default errno:38');
    expect(lines).toContain('allow read');
    expect(lines).toContain('errno:1 keyctl');
    expect(lines).toContain('errno:1 io_uring_setup');
    expect(lines).not.toContain('allow clone3');
    expect(lines).toContain('allow clone 0:masked_eq:2114060288:0');
    expect(lines).toContain('errno:1 clone 0:masked_eq:268435456:268435456');
    expect(lines).toContain(`errno:1 ioctl 1:masked_eq:4294967295:${0x5412}`);
    expect(lines).not.toContain('allow ioctl');
  });
  it("lifts what a kept capability allows, as Docker's profile does", () => {
    const withAdmin = seccompRules(defaultSeccomp(['CAP_SYS_ADMIN'])).split('\n');
    expect(withAdmin).not.toContain('errno:1 mount');
    expect(withAdmin).toContain('allow mount');
    expect(withAdmin).toContain('allow clone3');
    expect(withAdmin).toContain('errno:1 keyctl');
    expect(seccompRules(defaultSeccomp(['CAP_SYS_TIME']))).not.toMatch(/^errno:1 settimeofday$/m);
  });
  it('allows every ioctl command but TIOCSTI and TIOCLINUX, whatever the upper 32 bits', () => {
    const conditions = maskedValuesExcept([0x5412, 0x541c]);
    const matches = (command: number): boolean => conditions.some(({ mask, value }) => Number(BigInt(command) & BigInt(mask)) === value);
    for (const command of [0, 0x5401, 0x5411, 0x5413, 0x541b, 0x541d, 0x5413 + 2 ** 32, 0xffffffff]) expect(matches(command)).toBe(true);
    for (const command of [0x5412, 0x541c, 0x5412 + 2 ** 32]) expect(matches(command)).toBe(false);
    expect(conditions.length).toBeLessThanOrEqual(64);
  });

  it('converts OCI actions and conditions, and refuses what it cannot apply', () => {
    expect(
      seccompRules({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }] }),
    ).toBe('default errno:38\nallow read 0:eq:1\nallow write 0:eq:1');
    expect(() => seccompRules({ defaultAction: 'SCMP_ACT_NOTIFY' })).toThrow(/not supported/);
    expect(() => seccompRules({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 9, value: 1, op: 'SCMP_CMP_EQ' }] }] })).toThrow(
      /index from 0 to 5/,
    );
  });
});
