import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, freePort, makeTempDir, removeDir, REPO_ROOT, testRootfs } from './harness.js';

const work = makeTempDir('readme-example');
afterAll(() => removeDir(work));

/** The code block of the README's "As a library" section, as a person copies it. */
function libraryExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## As a library'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the README has no ts block under "As a library"');
  return block;
}

describe("the README's library example", () => {
  it('is three lines that run a container and start one, as written', async () => {
    const example = libraryExample();
    expect(
      example
        .trim()
        .split('\n')
        .filter((line) => line.trim() !== ''),
    ).toHaveLength(3);
    // Only what this machine needs changed: the test's rootfs, and a host port nobody listens on.
    const port = await freePort();
    const code = `${example.replaceAll('/tmp/rootfs', testRootfs()).replace('127.0.0.1:8080:80', `127.0.0.1:${port}:80`)}
process.stdout.write(JSON.stringify({ result, id: c.id, name: c.name, running: (await c.inspect()).status }) + '\\n');
await c.stop(0);
await c.remove();
`;
    const store = join(work, 'store');
    const { stdout } = await promisify(execFile)('node', ['--input-type=module', '-e', code], { cwd: join(REPO_ROOT, 'tests'), env: { ...process.env, RYOUIKI_ROOT: store } });
    const seen = JSON.parse(stdout) as { result: { exitCode: number; stdout: string; cgroup?: { stats: { memory?: { limitBytes?: number } } } }; name: string; running: string };
    expect(seen.result).toMatchObject({ exitCode: 0, stdout: 'hi\n' });
    expect(seen.result.cgroup?.stats.memory?.limitBytes).toBe(64 * 1024 * 1024);
    expect(seen).toMatchObject({ name: 'web', running: 'running' });
    await expectNoLeftovers();
  }, 60000);
});
