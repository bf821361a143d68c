import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { containerSpec, run } from '@ryouiki/core';
import { expectNoLeftovers, makeTempDir, removeDir, testRootfs } from './harness.js';

const work = makeTempDir('spec-builder');
afterAll(() => removeDir(work));
afterEach(async () => {
  await expectNoLeftovers();
});

describe('containerSpec() with run()', () => {
  it('runs the container it builds, with its command, environment, hostname and no network', async () => {
    const spec = containerSpec(testRootfs())
      .command('/bin/sh', '-c', 'echo "$GREETING from $(hostname)"; cut -d: -f1 /proc/net/dev | sed 1,2d | tr -d " "')
      .env({ GREETING: 'hello' })
      .hostname('built')
      .network('none')
      .build();
    const result = await run(spec, { root: join(work, 'store') });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hello from built\nlo\n', stderr: '' });
  });
});
