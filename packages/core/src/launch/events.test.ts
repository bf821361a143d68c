import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { followHelper, type HelperStatus } from './events.js';
import { releaseAll, type Resource } from './resource.js';

function resource(name: string, log: string[], fail = false): Resource {
  return {
    attach: async (pid) => {
      log.push(`attach ${name} ${pid}`);
      if (fail) throw new Error(`${name} failed`);
    },
    started: async () => {
      log.push(`started ${name}`);
    },
    release: async () => {
      log.push(`release ${name}`);
    },
    record: () => ({ kind: name }),
  };
}

/** The helper's lines, as it writes them on its info fd, and what reaches its block fd. */
function helperLines(lines: object[]): { info: PassThrough; block: PassThrough; written: () => string } {
  const info = new PassThrough();
  const block = new PassThrough();
  let written = '';
  block.on('data', (chunk: Buffer) => (written += chunk.toString()));
  info.end(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  return { info, block, written: () => written };
}

const fresh = (): HelperStatus => ({ executed: false, ready: false });

describe('followHelper', () => {
  it('records the PID, attaches in order, lets the helper go with one byte, and tells the resources the command runs', async () => {
    const log: string[] = [];
    const { info, block, written } = helperLines([{ pid: 42 }, { exec: true }, { exit: 0 }]);
    const status = await followHelper(info, block, [resource('a', log), resource('b', log)], 'end', { onPid: async (pid) => void log.push(`pid ${pid}`) }, fresh());
    await status.started;
    expect(log).toEqual(['pid 42', 'attach a 42', 'attach b 42', 'started a', 'started b']);
    expect(written()).toBe('1');
    expect(status).toMatchObject({ pid: 42, executed: true, exitCode: 0 });
  });

  it('closes the block fd without a byte when an attach fails, and stops there', async () => {
    const log: string[] = [];
    const { info, block, written } = helperLines([{ pid: 7 }, { exec: true }]);
    const status = await followHelper(info, block, [resource('a', log, true), resource('b', log)], 'exec', { onPid: async () => undefined }, fresh());
    expect(log).toEqual(['attach a 7']);
    expect(written()).toBe('');
    expect(block.writableEnded).toBe(true);
    expect(status.executed).toBe(false);
    expect((status.attachError as Error).message).toBe('a failed');
  });

  it('gives up on the container when its PID cannot be recorded, before anything is attached', async () => {
    const log: string[] = [];
    const { info, block } = helperLines([{ pid: 9 }, { exec: true }]);
    const status = await followHelper(info, block, [resource('a', log)], 'end', { onPid: async () => Promise.reject(new Error('EACCES')) }, fresh());
    expect(log).toEqual([]);
    expect(block.writableEnded).toBe(true);
    expect((status.attachError as Error).message).toBe('EACCES');
  });

  it("passes the helper's warning on, before the PID is recorded", async () => {
    const log: string[] = [];
    const { info, block } = helperLines([{ warning: 'newuidmap failed (x): using a single-id map, only uid 0 exists inside' }, { pid: 5 }, { exit: 0 }]);
    await followHelper(info, block, [], 'end', { onPid: async (pid) => void log.push(`pid ${pid}`), onWarning: (message) => log.push(`warning ${message}`) }, fresh());
    expect(log).toEqual(['warning newuidmap failed (x): using a single-id map, only uid 0 exists inside', 'pid 5']);
  });

  it('stops at the start gate for an OCI create, keeping the failure the helper reported', async () => {
    const { info, block } = helperLines([{ error: 'mount: /x: No such file', code: 125 }, { exit: 125 }, { ready: true }]);
    const status = await followHelper(info, block, [], 'ready', { onPid: async () => undefined }, fresh());
    expect(status).toMatchObject({ ready: false, exitCode: 125, failure: { message: 'mount: /x: No such file', code: 125 } });
  });
});

describe('releaseAll', () => {
  it('releases the last attached first, and one failure keeps none of the others', async () => {
    const log: string[] = [];
    const failing: Resource = { ...resource('b', log), release: async () => Promise.reject(new Error('busy')) };
    await releaseAll([resource('a', log), failing, resource('c', log)]);
    expect(log).toEqual(['release c', 'release a']);
  });
});
