import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { listContainers, planContainer, run, RyouikiError } from '@ryouiki/core';
import { readProcessLog } from '@ryouiki/logs';
import { expectNoLeftovers, leftovers, makeTempDir, removeDir, testRootfs, waitFor } from './harness.js';

const work = makeTempDir('library');
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

describe('@ryouiki/core run()', () => {
  it('records a foreground container in the store while it runs, by its name, and removes it after', async () => {
    const root = join(work, 'named');
    const container = run({ rootfs: testRootfs(), command: 'echo up; read line', name: 'fg', network: 'none' }, { root, buffer: false });
    try {
      await new Promise<void>((resolve) => container.stdout?.once('data', () => resolve()));
      // The command's output and the helper's exec event come on different pipes: either may be read first.
      let listed: Awaited<ReturnType<typeof listContainers>> = [];
      for (const deadline = Date.now() + 10000; Date.now() < deadline && listed[0]?.status !== 'running';) {
        listed = await listContainers({ root });
        await new Promise((resolveWait) => setTimeout(resolveWait, 25));
      }
      expect(listed[0]).toMatchObject({ name: 'fg', status: 'running', pid: expect.any(Number) });
    } finally {
      container.stdin?.end('bye\n');
    }
    expect((await container).exitCode).toBe(0);
    expect(await listContainers({ root })).toEqual([]);
  });

  it('captures output, takes input and resolves with the exit code and the container PID', async () => {
    const root = join(work, 'capture');
    const result = await run({ rootfs: testRootfs(), command: 'cat; echo err >&2; exit 5' }, { root, input: 'piped\n' });
    expect(result).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{64}$/), pid: expect.any(Number), exitCode: 5, stdout: 'piped\n', stderr: 'err\n' });
    expect(readProcessLog(root, result.pid)?.[1]).toMatch(/,failed,5,/);
  });

  it('rejects with a typed error when the command is not found', async () => {
    const error = await run({ rootfs: testRootfs(), command: ['/no/such/program'] }, { root: join(work, 'notfound') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RyouikiError);
    expect(error).toMatchObject({ code: 'COMMAND_NOT_FOUND', exitCode: 127, message: 'exec: /no/such/program: No such file or directory' });
  });

  it('validates a hand-written spec before starting anything', async () => {
    const { spec } = planContainer({ path: testRootfs(), args: ['true'] });
    const broken = { ...spec, process: { ...spec.process, cwd: 'relative', env: ['bad'] } };
    const error = await run(broken, { root: join(work, 'invalid') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SPEC_INVALID' });
    expect((error as RyouikiError).problems.map((p) => p.path)).toEqual(['process.env[0]', 'process.cwd']);
  });

  it('streams stdout and stderr as they come, and takes stdin as a stream', async () => {
    const container = run({ rootfs: testRootfs(), command: 'echo first; read line; echo "second $line"; echo err >&2' }, { root: join(work, 'stream'), buffer: false });
    let seen = '';
    container.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
      if (seen === 'first\n') container.stdin?.end('typed\n');
    });
    let errors = '';
    container.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    const result = await container;
    expect(seen).toBe('first\nsecond typed\n');
    expect(errors).toBe('err\n');
    expect(result.stdout).toBe('');

    const fromStream = await run({ rootfs: testRootfs(), command: ['cat'] }, { root: join(work, 'stream'), input: Readable.from(['a', 'b\n']) });
    expect(fromStream.stdout).toBe('ab\n');
  });

  it('kills the container and everything in it on abort, and rejects with ABORTED', async () => {
    const controller = new AbortController();
    const container = run({ rootfs: testRootfs(), command: 'sleep 5151 & sleep 5152' }, { root: join(work, 'abort'), signal: controller.signal, input: '' });
    await waitFor(() => (leftovers('sleep 515').filter((p) => p.comm === 'sleep').length === 2 ? true : undefined), 'both sleeps to run');
    controller.abort('enough');
    await expect(container).rejects.toMatchObject({ code: 'ABORTED', message: 'the container was aborted: enough' });
    await expectNoLeftovers('sleep 515');
  });

  it('kills a container that outlives its timeout, even one that ignores SIGTERM, and rejects with TIMED_OUT', async () => {
    const container = run({ rootfs: testRootfs(), command: 'trap "" TERM; sleep 5353' }, { root: join(work, 'timeout'), timeout: 300, input: '' });
    await expect(container).rejects.toMatchObject({ code: 'TIMED_OUT' });
    await expectNoLeftovers('sleep 5353');
  });

  it('reports death by signal and rejects on a non-zero exit only when asked', async () => {
    const killed = await run({ rootfs: testRootfs(), command: 'kill -9 $$' }, { root: join(work, 'signal'), input: '' });
    expect(killed).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
    const error = await run({ rootfs: testRootfs(), command: 'echo out; exit 4' }, { root: join(work, 'signal'), input: '', rejectOnExitCode: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 4, result: { exitCode: 4, stdout: 'out\n' } });
  });
});
