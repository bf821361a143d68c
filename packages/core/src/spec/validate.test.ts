import { tmpdir } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { OCI_VERSION, type ContainerSpec } from './spec.js';
import { specProblems } from './validate.js';

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    ociVersion: OCI_VERSION,
    process: { args: ['/bin/true'], env: ['PATH=/bin'], cwd: '/' },
    root: { path: tmpdir() },
    linux: { namespaces: [{ type: 'user' }, { type: 'mount' }, { type: 'pid' }] },
    ...overrides,
  };
}

describe('specProblems', () => {
  it('accepts a minimal valid spec', () => {
    expect(specProblems(spec())).toEqual([]);
  });

  it("takes the host's PID namespace with the host's /proc bound, and refuses a new proc there naming the mount", () => {
    const proc = { destination: '/proc', type: 'proc', source: 'proc' };
    const bound = { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] };
    const hostPid = (mounts: ContainerSpec['mounts']) => spec({ onlyGivenMounts: true, mounts, linux: { namespaces: [{ type: 'user' }, { type: 'mount' }] } });
    expect(specProblems(hostPid([bound]))).toEqual([]);
    expect(specProblems(hostPid([bound, proc])).map((p) => p.message)).toEqual([
      'mounts[1]: a proc cannot be mounted in the host\'s PID namespace (linux.namespaces has no pid entry) from a user namespace of the container\'s own: add {"type": "pid"} to linux.namespaces, or bind the host\'s /proc (type "bind", source "/proc", options ["rbind"])',
    ]);
  });

  it('reports bad env entries, a relative cwd and the field path of each', () => {
    const problems = specProblems(spec({ process: { args: ['x'], env: ['OK=1', 'broken', '=x'], cwd: 'relative' } }));
    expect(problems.map((p) => p.path)).toEqual(['process.env[1]', 'process.env[2]', 'process.cwd']);
  });

  it('requires the user and mount namespaces (a new /proc needs a pid one) and refuses unknown ones, a mount namespace to join and a relative path', () => {
    const problems = specProblems(spec({ linux: { namespaces: [{ type: 'user' }, { type: 'time' }, { type: 'network', path: 'net' }] } }));
    expect(
      specProblems(spec({ linux: { namespaces: [{ type: 'user', path: '/proc/1/ns/user' }, { type: 'mount', path: '/proc/1/ns/mnt' }, { type: 'pid' }, { type: 'cgroup' }] } })).map((p) => p.path),
    ).toEqual(['linux.namespaces[1].path']);
    expect(problems.map((p) => p.path)).toEqual(['linux.namespaces[1].type', 'linux.namespaces[2].path', 'linux.namespaces', 'linux.namespaces']);
  });

  it('refuses hostnames that the kernel or resolvers would not take', () => {
    expect(specProblems(spec({ hostname: 'ok-name.example', linux: { namespaces: [{ type: 'user' }, { type: 'mount' }, { type: 'pid' }, { type: 'uts' }] } }))).toEqual([]);
    expect(specProblems(spec({ hostname: 'ok-name.example' }))[0]?.message).toMatch(/a hostname needs a new uts namespace/);
    expect(specProblems(spec({ domainname: 'example.org' }))[0]?.path).toBe('domainname');
    expect(specProblems(spec({ hostname: '-bad' }))[0]?.path).toBe('hostname');
    expect(specProblems(spec({ hostname: 'a'.repeat(65) }))[0]?.path).toBe('hostname');
  });
});

describe('isolation fields of a hand-written spec', () => {
  it('reports bad mounts, users, capabilities and seccomp profiles with their field', () => {
    const spec = {
      ociVersion: '1.2.0',
      process: { args: ['/bin/true'], env: [], cwd: '/', user: { uid: -1, gid: 0 }, capabilities: { bounding: ['CAP_FLY'] } },
      root: { path: '/' },
      mounts: [
        { destination: 'rel', type: 'bind', source: '/x' },
        { destination: '/m', type: 'nfs' },
      ],
      linux: { namespaces: [{ type: 'user' }, { type: 'mount' }, { type: 'pid' }], seccomp: { defaultAction: 'SCMP_ACT_NOTIFY' } },
    } as unknown as ContainerSpec;
    expect(specProblems(spec).map((problem) => problem.path)).toEqual(['mounts[0].destination', 'mounts[1].type', 'process.user', 'process.capabilities.bounding', 'linux.seccomp']);
  });
});
