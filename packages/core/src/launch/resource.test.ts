import { describe, expect, it } from '@jest/globals';
import { registerResourceReleaser, releaseRecorded } from './resource.js';

describe('releaseRecorded', () => {
  it("releases last attached first, keeps kinds nobody registered, and takes a releaser's reason", async () => {
    const order: string[] = [];
    registerResourceReleaser('test-net', async (record) => {
      order.push(`net ${String(record.name)}`);
    });
    registerResourceReleaser('test-cgroup', async () => {
      order.push('cgroup');
      return 'oom';
    });
    const released = await releaseRecorded([{ kind: 'test-cgroup' }, { kind: 'unknown-kind', x: 1 }, { kind: 'test-net', name: 'tap0' }]);
    expect(order).toEqual(['net tap0', 'cgroup']);
    expect(released).toEqual({ left: [{ kind: 'unknown-kind', x: 1 }], reason: 'oom' });
  });
});
