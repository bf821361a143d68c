import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_PATH } from './env-file.js';
import { RyouikiError } from '../errors.js';
import { containerSpec } from './spec-builder.js';
import { OCI_VERSION } from './spec.js';

const rootfs = mkdtempSync(join(tmpdir(), 'spec-builder-'));
afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

describe('containerSpec()', () => {
  it('builds the spec that its steps describe', () => {
    const spec = containerSpec(rootfs).command('/bin/sh', '-c', 'x').env({ A: '1', B: 'two words' }).hostname('h').network('none').workdir('/tmp').build();
    expect(spec).toEqual({
      ociVersion: OCI_VERSION,
      process: { args: ['/bin/sh', '-c', 'x'], env: ['A=1', 'B=two words', `PATH=${DEFAULT_PATH}`], cwd: '/tmp' },
      root: { path: rootfs, readonly: false },
      hostname: 'h',
      linux: { namespaces: ['user', 'mount', 'pid', 'uts', 'ipc', 'network'].map((type) => ({ type })) },
    });
  });

  it('keeps a given PATH, drops the network namespace for host networking, and carries mounts, limits and a read-only root', () => {
    const spec = containerSpec(rootfs)
      .command('/bin/true')
      .env({ PATH: '/bin' })
      .network('host')
      .readonly()
      .mount({ destination: '/data', source: rootfs, type: 'bind', options: ['rbind', 'ro'] })
      .resources({ pids: { limit: 10 } })
      .build();
    expect(spec.process.env).toEqual(['PATH=/bin']);
    expect(spec.linux.namespaces.map((namespace) => namespace.type)).not.toContain('network');
    expect(spec.root.readonly).toBe(true);
    expect(spec.mounts).toEqual([{ destination: '/data', source: rootfs, type: 'bind', options: ['rbind', 'ro'] }]);
    expect(spec.linux.resources).toEqual({ pids: { limit: 10 } });
  });

  it('reports every problem at once, each with its field path', () => {
    const builder = containerSpec(join(rootfs, 'missing')).env({ 'BAD NAME': 'x' }).workdir('relative').hostname('-bad');
    let error: unknown;
    try {
      builder.build();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RyouikiError);
    expect((error as RyouikiError).code).toBe('SPEC_INVALID');
    expect((error as RyouikiError).problems.map((problem) => problem.path)).toEqual(['root.path', 'process.args', 'process.env[0]', 'process.cwd', 'hostname']);
  });

  it('gives a single problem its own code', () => {
    expect(() => containerSpec(rootfs).build()).toThrow(expect.objectContaining({ code: 'COMMAND_EMPTY' }) as unknown as Error);
  });
});
