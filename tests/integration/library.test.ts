import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { planContainer, run, RyouikiError } from '@ryouiki/core';
import { readProcessLog } from '@ryouiki/logs';
import { expectNoLeftovers, leftovers, makeTempDir, removeDir, testRootfs, waitFor } from './harness.js';

const work = makeTempDir('library');
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

describe('@ryouiki/core run()', () => {
  it('captures output, takes input and resolves with the exit code and the container PID', async () => {
    const root = join(work, 'capture');
    const { id, spec, commandLabel } = planContainer({ path: testRootfs(), command: 'cat; echo err >&2; exit 5' });
    const result = await run(spec, { id, commandLabel, root, input: 'piped\n' });
    expect(result).toMatchObject({ id, pid: expect.any(Number), exitCode: 5, stdout: 'piped\n', stderr: 'err\n' });
    expect(readProcessLog(root, result.pid)?.[1]).toMatch(/,failed,5,/);
  });

  it('rejects with a typed error when the command is not found', async () => {
    const { spec } = planContainer({ path: testRootfs(), args: ['/no/such/program'] });
    const error = await run(spec, { root: join(work, 'notfound') }).catch((e: unknown) => e);
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
    const { spec } = planContainer({ path: testRootfs(), command: 'echo first; read line; echo "second $line"; echo err >&2' });
    const container = run(spec, { root: join(work, 'stream'), buffer: false });
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

    const fromStream = await run(planContainer({ path: testRootfs(), args: ['cat'] }).spec, { root: join(work, 'stream'), input: Readable.from(['a', 'b\n']) });
    expect(fromStream.stdout).toBe('ab\n');
  });

  it('kills the container and everything in it on abort, and rejects with ABORTED', async () => {
    const { spec } = planContainer({ path: testRootfs(), command: 'sleep 5151 & sleep 5152' });
    const controller = new AbortController();
    const container = run(spec, { root: join(work, 'abort'), signal: controller.signal, input: '' });
    await waitFor(() => (leftovers('sleep 515').filter((p) => p.comm === 'sleep').length === 2 ? true : undefined), 'both sleeps to run');
    controller.abort('enough');
    await expect(container).rejects.toMatchObject({ code: 'ABORTED', message: 'the container was aborted: enough' });
    await expectNoLeftovers('sleep 515');
  });

  it('kills a container that outlives its timeout, even one that ignores SIGTERM, and rejects with TIMED_OUT', async () => {
    const { spec } = planContainer({ path: testRootfs(), command: 'trap "" TERM; sleep 5353' });
    const container = run(spec, { root: join(work, 'timeout'), timeout: 300, input: '' });
    await expect(container).rejects.toMatchObject({ code: 'TIMED_OUT' });
    await expectNoLeftovers('sleep 5353');
  });

  it('reports death by signal and rejects on a non-zero exit only when asked', async () => {
    const killed = await run(planContainer({ path: testRootfs(), command: 'kill -9 $$' }).spec, { root: join(work, 'signal'), input: '' });
    expect(killed).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
    const failing = planContainer({ path: testRootfs(), command: 'echo out; exit 4' }).spec;
    const error = await run(failing, { root: join(work, 'signal'), input: '', rejectOnExitCode: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 4, result: { exitCode: 4, stdout: 'out\n' } });
  });
});
