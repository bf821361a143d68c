import { describe, expect, it } from '@jest/globals';
import { bundleFieldArgs } from './bundle-field-args.js';
import { OCI_VERSION, type ContainerSpec } from '../spec/spec.js';

function spec(change: (spec: ContainerSpec) => void = () => undefined): ContainerSpec {
  const value: ContainerSpec = {
    ociVersion: OCI_VERSION,
    process: { args: ['true'], env: [], cwd: '/' },
    root: { path: '/r' },
    linux: { namespaces: ['user', 'mount', 'pid', 'uts', 'ipc', 'network'].map((type) => ({ type: type as 'user' })) },
  };
  change(value);
  return value;
}

describe('bundleFieldArgs', () => {
  it('gives none for a spec as tenkai builds it', () => {
    expect(bundleFieldArgs(spec((s) => (s.process.capabilities = { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'] })))).toEqual([]);
  });

  it('turns the process fields into flags', () => {
    const args = bundleFieldArgs(
      spec((s) => {
        s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 2 ** 64 }];
        s.process.oomScoreAdj = -5;
        s.process.terminal = true;
        s.process.consoleSize = { height: 24, width: 80 };
        s.process.user = { uid: 1, gid: 2, additionalGids: [3, 4] };
        s.process.noNewPrivileges = false;
        s.process.exactCapabilities = true;
        s.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
      }),
    );
    expect(args).toEqual([
      '--rlimit',
      'RLIMIT_NOFILE=10:unlimited',
      '--oom-score-adj',
      '-5',
      '--console-size',
      '24x80',
      '--groups',
      '3,4',
      '--new-privileges',
      '--caps-effective',
      '5',
      '--caps-permitted',
      '5',
      '--caps-inheritable',
      '',
      '--caps-ambient',
      '',
    ]);
  });

  it('shares, joins and adds namespaces, and passes the linux fields', () => {
    const args = bundleFieldArgs(
      spec((s) => {
        s.linux.namespaces = [{ type: 'user' }, { type: 'mount' }, { type: 'pid' }, { type: 'cgroup' }, { type: 'network', path: '/proc/1/ns/net' }];
        s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
        s.linux.maskedPaths = [];
        s.linux.readonlyPaths = ['/proc/sys'];
        s.linux.rootfsPropagation = 'rslave';
        s.linux.devices = [{ path: '/dev/fuse', type: 'c' }];
      }),
    );
    expect(args).toEqual([
      '--share-uts',
      '--share-ipc',
      '--cgroupns',
      '--join-ns',
      'network:/proc/1/ns/net',
      '--sysctl',
      'net.ipv4.ip_forward=1',
      '--no-default-paths',
      '--read-only-path',
      '/proc/sys',
      '--rootfs-propagation',
      'rslave',
      '--device',
      '/dev/fuse',
    ]);
  });

  it('leaves a privileged spec its privileges', () => {
    expect(
      bundleFieldArgs(
        spec((s) => {
          s.privileged = true;
          s.process.noNewPrivileges = false;
          s.process.exactCapabilities = true;
          s.process.capabilities = { bounding: [] };
        }),
      ),
    ).toEqual([]);
  });
});
