import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { planContainer, run, RyouikiError } from '@ryouiki/core';
import { readProcessLog } from '@ryouiki/logs';
import { expectNoLeftovers, makeTempDir, removeDir, testRootfs } from './harness.js';

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
});
