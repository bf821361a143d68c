import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { planContainer, shortId } from './container-options.js';
import { DEFAULT_PATH } from './env-file.js';
import { RyouikiError } from '../errors.js';
import { BIND_FILE_OPTION } from './spec.js';
import { helperArgs } from '../helper/helper.js';

const base = mkdtempSync(join(tmpdir(), 'ryouiki-plan-'));
const rootfs = join(base, 'rootfs');
const shellless = join(base, 'shellless');
mkdirSync(join(rootfs, 'bin'), { recursive: true });
symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
mkdirSync(shellless);
const envFile = join(base, 'env.txt');
writeFileSync(envFile, 'PATH=/bin\nLANG=C\n');
const aFile = join(base, 'file');
writeFileSync(aFile, '');
afterAll(() => rmSync(base, { recursive: true, force: true }));

function planError(options: Parameters<typeof planContainer>[0]): RyouikiError {
  try {
    planContainer(options);
  } catch (error) {
    if (error instanceof RyouikiError) return error;
    throw error;
  }
  throw new Error('expected planContainer to refuse');
}

describe('planContainer', () => {
  it('runs --command through /bin/sh -c with the env file as the whole environment', () => {
    const { id, spec, commandLabel } = planContainer({ path: rootfs, envFile, command: 'id; hostname' });
    expect(spec.process.args).toEqual(['/bin/sh', '-c', 'id; hostname']);
    expect(spec.process.env).toEqual(['PATH=/bin', 'LANG=C']);
    expect(spec.hostname).toBe(shortId(id));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(commandLabel).toBe('id; hostname');
    expect(spec.linux.namespaces.map((n) => n.type)).toEqual(['user', 'mount', 'pid', 'uts', 'ipc', 'network']);
  });

  it('executes a program directly and gives the standard PATH without an env file', () => {
    const { spec, commandLabel } = planContainer({ path: rootfs, args: ['/bin/echo', 'a b'] });
    expect(spec.process.args).toEqual(['/bin/echo', 'a b']);
    expect(spec.process.env).toEqual([`PATH=${DEFAULT_PATH}`]);
    expect(commandLabel).toBe('/bin/echo a b');
  });

  it('plans slirp4netns by default, with the hostname for /etc/hosts', () => {
    const { spec, network } = planContainer({ path: rootfs, args: ['true'] });
    expect(network.config).toEqual({ mode: 'slirp4netns', allowHostLoopback: false, mtu: 65520 });
    expect(network.hostname).toBe(spec.hostname);
    expect(spec.linux.namespaces.map((n) => n.type)).toContain('network');
  });

  it('plans --network none, --publish, --dns and --add-host', () => {
    const none = planContainer({ path: rootfs, args: ['true'], network: 'none', dns: ['1.1.1.1'], addHosts: ['db:10.0.0.5'] });
    expect(none.network.config.mode).toBe('none');
    expect(none.network.dns).toEqual(['1.1.1.1']);
    expect(none.network.addHosts).toEqual([{ name: 'db', ip: '10.0.0.5' }]);
    expect(none.spec.linux.namespaces.map((n) => n.type)).toContain('network');
    const slirp = planContainer({ path: rootfs, args: ['true'], network: 'slirp4netns:allow_host_loopback=true', publish: ['127.0.0.1:8080:80/udp'] });
    expect(slirp.network.config.allowHostLoopback).toBe(true);
    expect(slirp.network.publish).toEqual([{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
  });

  it('refuses --publish without a network stack, and bad network flags all at once', () => {
    expect(planError({ path: rootfs, args: ['true'], network: 'none', publish: ['8080:80'] }).message).toBe('--publish needs --network slirp4netns or pasta, not --network none');
    const error = planError({ path: rootfs, args: ['true'], publish: ['8080:99999'], dns: ['nope'], addHosts: ['x'] });
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.problems.map((problem) => problem.code)).toEqual(['PUBLISH_INVALID', 'DNS_INVALID', 'ADD_HOST_INVALID']);
  });

  it('turns generated files into --bind-file, and volumes into --bind, for the helper', () => {
    const { spec } = planContainer({ path: rootfs, args: ['true'], seccomp: 'unconfined' });
    const mounts = [
      { destination: '/etc/hosts', source: '/run/x/hosts', type: 'bind', options: ['bind', BIND_FILE_OPTION] },
      { destination: '/data', source: '/srv/data', type: 'bind', options: ['rbind', 'rw'] },
    ];
    const args = helperArgs({ ...spec, mounts }, { infoFd: 3, blockFd: 4 }).join(' ');
    expect(args).toContain('--bind-file /run/x/hosts /etc/hosts');
    expect(args).toContain('--bind /srv/data:/data');
    expect(args).not.toContain('/run/x/hosts:/etc/hosts');
  });

  it('keeps the host network namespace for --network host', () => {
    const { spec } = planContainer({ path: rootfs, args: ['true'], network: 'host' });
    expect(spec.linux.namespaces.map((n) => n.type)).not.toContain('network');
    expect(helperArgs(spec, { infoFd: 3, blockFd: 4, files: { dir: '/state/c1', mounts: [], seccompFile: '/state/c1/seccomp.rules' } })).toContain('--share-net');
  });

  it('passes the default seccomp filter as a file of rules, and refuses to leave it out', () => {
    const { spec } = planContainer({ path: rootfs, args: ['true'] });
    expect(helperArgs(spec, { infoFd: 3, blockFd: 4, files: { dir: '/state/c1', mounts: [], seccompFile: '/state/c1/seccomp.rules' } }).join(' ')).toContain('--seccomp /state/c1/seccomp.rules');
    expect(() => helperArgs(spec, { infoFd: 3, blockFd: 4 })).toThrow(/needs the container files/);
  });

  it('refuses both a command string and a program', () => {
    const error = planError({ path: rootfs, command: 'id', args: ['id'] });
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('give either --command STRING or -- PROGRAM ARGS, not both');
  });

  it('refuses an empty command in either form', () => {
    expect(planError({ path: rootfs, command: '  ' }).code).toBe('COMMAND_EMPTY');
    expect(planError({ path: rootfs }).code).toBe('COMMAND_EMPTY');
  });

  it('refuses a missing rootfs, a file as rootfs, and a rootfs without /bin/sh for --command', () => {
    expect(planError({ path: join(base, 'nope'), command: 'id' }).code).toBe('ROOTFS_NOT_FOUND');
    expect(planError({ path: aFile, command: 'id' }).code).toBe('ROOTFS_NOT_DIRECTORY');
    expect(planError({ path: shellless, command: 'id' }).code).toBe('ROOTFS_NO_SHELL');
    expect(() => planContainer({ path: shellless, args: ['/prog'] })).not.toThrow();
  });

  it('reports every problem at once with the field each concerns', () => {
    const error = planError({ path: join(base, 'nope'), envFile: join(base, 'missing-env'), args: [], network: 'bridge', hostname: 'bad_name!' });
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.problems.map((p) => [p.path, p.code])).toEqual([
      ['process.env', 'ENV_FILE_NOT_FOUND'],
      ['linux.namespaces', 'NETWORK_MODE_UNKNOWN'],
      ['root.path', 'ROOTFS_NOT_FOUND'],
      ['process.args', 'COMMAND_EMPTY'],
      ['hostname', 'SPEC_INVALID'],
    ]);
    expect(error.message.split('\n')).toHaveLength(1);
  });
});

describe('helperArgs', () => {
  it('passes the configuration as flags, with the default capabilities, and the command after --', () => {
    const { spec } = planContainer({ path: rootfs, envFile, args: ['/bin/sh', '-c', 'echo $A'], hostname: 'box', cwd: '/tmp', userns: 'single', seccomp: 'unconfined' });
    expect(helperArgs(spec, { infoFd: 3, blockFd: 4 })).toEqual([
      '--rootfs',
      rootfs,
      '--cwd',
      '/tmp',
      '--info-fd',
      '3',
      '--block-fd',
      '4',
      '--hostname',
      'box',
      '--caps',
      '0,1,3,4,5,6,7,8,10,18,31',
      '--',
      '/bin/sh',
      '-c',
      'echo $A',
    ]);
  });

  it('passes the isolation flags: id maps, volumes, user, overlay, privileges', () => {
    const { spec } = planContainer({ path: rootfs, args: ['/bin/true'], volumes: [`${base}:/bin:ro`], tmpfs: ['/tmp:size=1m'], user: '0:0', privileged: true, overlay: true });
    const args = helperArgs(spec, { infoFd: 3, blockFd: 4, files: { dir: '/state/c1', overlayDir: '/state/c1/overlay', mounts: [] } });
    expect(args).toEqual(expect.arrayContaining(['--overlay', '/state/c1/overlay', '--make-mount-points', '--ro-bind', `${base}:/bin`, '--tmpfs', '/tmp:size=1m', '--user', '0:0', '--privileged']));
    expect(args).not.toContain('--seccomp');
    expect(args).not.toContain('--caps');
  });
});
