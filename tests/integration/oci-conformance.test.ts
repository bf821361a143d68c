// The runtime-spec's requirements that the OCI runtime-tools validation suite
// checks (validation/*.t), each with a bundle that exercises the field and a
// check inside the container, run rootless through ryouiki-runtime as
// containerd's shim and podman run it. The suite itself is not packaged by
// Debian (docs/oci-conformance.md): these are its checks, ours.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { defaultOciConfig, type OciConfig } from '@ryouiki/core';
import { expectNoLeftovers, makeTempDir, removeDir, testRootfs } from './harness.js';
import { containersIn, runtime, type RuntimeOutcome } from './oci-harness.js';

const work = makeTempDir('oci-conformance');
afterAll(() => removeDir(work));

let serial = 0;
const roots: string[] = [];

afterEach(async () => {
  for (const root of roots.splice(0)) expect(containersIn(root)).toEqual([]);
  await expectNoLeftovers();
});

type Config = OciConfig & Record<string, any>;

/** runc's default config (`runc spec --rootless`) on the test rootfs, with the command and a change. */
function bundleConfig(script: string, change: (config: Config) => void = () => undefined): Config {
  const config = defaultOciConfig({ rootless: true }) as Config;
  config.root = { path: testRootfs(), readonly: true };
  config.process!.terminal = false;
  config.process!.args = ['/bin/sh', '-c', script];
  change(config);
  return config;
}

/** `ryouiki-runtime run` of the config in the foreground: its exit code and output. */
async function runConfig(config: Config): Promise<RuntimeOutcome> {
  const dir = join(work, `b${serial++}`);
  const root = join(dir, 'root');
  roots.push(root);
  const bundle = join(dir, 'bundle');
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return runtime(dir, root, ['run', '--bundle', bundle, `c${serial}`], 'run');
}

async function outputOf(config: Config): Promise<string> {
  const out = await runConfig(config);
  expect(out).toMatchObject({ stderr: '', exitCode: 0 });
  return out.stdout;
}

/** A field of /proc/self/status inside the container. */
function statusField(name: string): string {
  return `sed -n 's/^${name}:[[:space:]]*//p' /proc/self/status`;
}

describe('1. ociVersion: every 1.x, unknown fields ignored', () => {
  it.each(['1.0.0', '1.2.1', '1.3.0', '1.9.0-rc.1'])('runs a config of version %s with fields a later minor adds', async (version) => {
    const config = bundleConfig('echo ran', (c) => {
      c.ociVersion = version;
      c.futureTopLevel = { on: true };
      (c.process as Record<string, unknown>).futureProcessField = 1;
      (c.linux as Record<string, unknown>).futureLinuxField = 'x';
    });
    expect(await outputOf(config)).toBe('ran\n');
  });

  it('refuses 2.0.0, naming ociVersion', async () => {
    const out = await runConfig(bundleConfig('true', (c) => (c.ociVersion = '2.0.0')));
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/ociVersion "2\.0\.0" .* use a 1\.x version/);
  });
});

describe('3. no_new_privileges and seccomp: exactly what the config asks', () => {
  const allowAllButMkdir = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
  };

  it('a config with neither gets no filter and no no_new_privs', async () => {
    const config = bundleConfig(`${statusField('Seccomp')}; ${statusField('NoNewPrivs')}`, (c) => (c.process!.noNewPrivileges = false));
    expect(await outputOf(config)).toBe('0\n0\n');
  });

  it('a seccomp filter without noNewPrivileges loads and leaves no_new_privs off', async () => {
    const config = bundleConfig(`${statusField('Seccomp')}; ${statusField('NoNewPrivs')}; mkdir /tmp/x 2>/dev/null || echo refused`, (c) => {
      c.process!.noNewPrivileges = false;
      c.linux!.seccomp = allowAllButMkdir as never;
      c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    });
    expect(await outputOf(config)).toBe('2\n0\nrefused\n');
  });

  it('noNewPrivileges true sets it, with or without a filter', async () => {
    expect(await outputOf(bundleConfig(`${statusField('Seccomp')}; ${statusField('NoNewPrivs')}`))).toBe('0\n1\n');
    expect(await outputOf(bundleConfig(statusField('NoNewPrivs'), (c) => (c.linux!.seccomp = allowAllButMkdir as never)))).toBe('1\n');
  });
});
