import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectNoLeftovers, makeTempDir, removeDir, RYOUIKI, ryouiki, testRootfs } from './harness.js';
import { expectContainerShell, HostTerminal } from './host-terminal.js';

// The README's OCI bundle example: ryouiki spec, then tenkai --bundle. The spec asks for a
// terminal; on a terminal, the keys typed reach it as with runc run, without -i.

const work = makeTempDir('cli-bundle-terminal');
afterAll(() => removeDir(work));

describe('tenkai --bundle with a terminal spec', () => {
  it("connects the terminal on stdin to the container's, as runc does", async () => {
    const bundle = join(work, 'bundle');
    mkdirSync(bundle);
    expect((await ryouiki(['spec', '--bundle', bundle])).exitCode).toBe(0);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { root: { path: string }; process: { terminal: boolean } };
    expect(config.process.terminal).toBe(true);
    config.root.path = testRootfs();
    writeFileSync(configPath, JSON.stringify(config));

    const host = new HostTerminal(work, [RYOUIKI, 'tenkai', '--root', join(work, 'store'), '--bundle', bundle]);
    try {
      await expectContainerShell(host);
    } finally {
      host.kill();
    }
    await expectNoLeftovers();
  });
});
