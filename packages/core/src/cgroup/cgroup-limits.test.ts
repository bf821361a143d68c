import { describe, expect, it } from '@jest/globals';
import { blkioToIoWeight, parseSize, requiredControllers, resourcesFromFlags, sharesToWeight, v1Writes, v2Writes, weightToShares } from './cgroup-limits.js';

describe('parseSize', () => {
  it.each([
    ['32m', 32 * 2 ** 20],
    ['1G', 2 ** 30],
    ['512k', 512 * 1024],
    ['1.5g', 1.5 * 2 ** 30],
    ['64MB', 64 * 2 ** 20],
    ['4096', 4096],
  ])('reads %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'm', '-1', '0', '12x', '1 gigabyte'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('resourcesFromFlags', () => {
  it('turns every flag into OCI resources', () => {
    expect(resourcesFromFlags({ memory: '64m', memorySwap: '128m', pidsLimit: '20', cpus: '0.5', cpuWeight: '200' })).toEqual({
      resources: {
        memory: { limit: 64 * 2 ** 20, swap: 128 * 2 ** 20 },
        pids: { limit: 20 },
        cpu: { quota: 50_000, period: 100_000 },
        unified: { 'cpu.weight': '200' },
      },
      problems: [],
    });
  });

  it('gives no resources without flags', () => {
    expect(resourcesFromFlags({})).toEqual({ problems: [] });
  });

  it('reports every bad value at once, each naming its flag', () => {
    const { problems } = resourcesFromFlags({ memory: 'lots', pidsLimit: '0', cpus: '0.001', cpuWeight: '10001' });
    expect(problems.map((p) => p.message)).toEqual([
      '--memory takes a size such as 64m or 1g, got "lots"',
      '--pids-limit takes a whole number of processes from 1 up, got "0"',
      '--cpus takes a number of CPUs of 0.01 or more, such as 0.5 or 2, got "0.001"',
      '--cpu-weight takes a whole number from 1 to 10000 (100 is the default share), got "10001"',
    ]);
    expect(problems.every((p) => p.code === 'USAGE')).toBe(true);
  });

  it('needs --memory for --memory-swap, and memory plus swap at least the memory', () => {
    expect(resourcesFromFlags({ memorySwap: '1g' }).problems[0]?.message).toBe('--memory-swap limits memory plus swap, so it needs --memory too: add --memory SIZE');
    expect(resourcesFromFlags({ memory: '1g', memorySwap: '512m' }).problems[0]?.message).toMatch(/^--memory-swap \(memory plus swap\) must be at least --memory \(1g\)/);
    expect(resourcesFromFlags({ memory: '1g', memorySwap: '-1' }).resources?.memory).toEqual({ limit: 2 ** 30, swap: -1 });
  });
});

describe('requiredControllers', () => {
  it('names the controller and the flag of each limit', () => {
    const { resources } = resourcesFromFlags({ memory: '64m', memorySwap: '-1', pidsLimit: '5', cpus: '1', cpuWeight: '5' });
    expect(requiredControllers(resources)).toEqual([
      { controller: 'memory', flag: '--memory' },
      { controller: 'memory', flag: '--memory-swap', swap: true },
      { controller: 'pids', flag: '--pids-limit' },
      { controller: 'cpu', flag: '--cpus' },
      { controller: 'cpu', flag: '--cpu-weight' },
    ]);
  });
});

describe('the files that enforce limits', () => {
  const { resources = {} } = resourcesFromFlags({ memory: '64m', memorySwap: '96m', pidsLimit: '20', cpus: '1.5', cpuWeight: '200' });

  it('on cgroup v2: swap apart from memory, quota and period on one line', () => {
    expect(v2Writes(resources).map((w) => `${w.file}=${w.value}`)).toEqual([`memory.max=${64 * 2 ** 20}`, `memory.swap.max=${32 * 2 ** 20}`, 'pids.max=20', 'cpu.max=150000 100000', 'cpu.weight=200']);
    expect(v2Writes({ memory: { limit: 1, swap: -1 } }).map((w) => w.value)).toEqual(['1', 'max']);
  });

  it('on cgroup v1: memory before memory+swap, the period before the quota, the weight as shares', () => {
    expect(v1Writes(resources).map((w) => `${w.file}=${w.value}`)).toEqual([
      `memory.limit_in_bytes=${64 * 2 ** 20}`,
      `memory.memsw.limit_in_bytes=${96 * 2 ** 20}`,
      'pids.max=20',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=150000',
      'cpu.shares=2048',
    ]);
  });

  it('converts between v2 weights and v1 shares at both ends of the range', () => {
    expect([weightToShares(1), weightToShares(100), weightToShares(10_000)]).toEqual([10, 1024, 102_400]);
    expect([sharesToWeight(2), sharesToWeight(1024), sharesToWeight(262_144)]).toEqual([1, 39, 10_000]);
  });
});

describe("the writes of a bundle's other resources", () => {
  const resources = {
    memory: { reservation: 1024, swappiness: 10, disableOOMKiller: true, kernelTCP: 4096 },
    cpu: { cpus: '0-1', mems: '0' },
    blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
    network: { classID: 0x100001, priorities: [{ name: 'lo', priority: 5 }] },
  };

  it('writes each on cgroup v1 as runc does', () => {
    expect(v1Writes(resources).map(({ file, value }) => `${file}=${value}`)).toEqual([
      'memory.soft_limit_in_bytes=1024',
      'memory.kmem.tcp.limit_in_bytes=4096',
      'memory.swappiness=10',
      'memory.oom_control=1',
      'cpuset.cpus=0-1',
      'cpuset.mems=0',
      'blkio.bfq.weight=500',
      'blkio.bfq.weight_device=8:0 300',
      'blkio.throttle.write_iops_device=8:0 100',
      'hugetlb.2MB.limit_in_bytes=2097152',
      'net_cls.classid=1048577',
      'net_prio.ifpriomap=lo 5',
    ]);
    expect(v1Writes(resources).find((write) => write.file === 'blkio.bfq.weight')?.orElse).toEqual({ file: 'blkio.weight', value: '500' });
  });

  it('writes on cgroup v2 what it can express, io.weight converted where BFQ is not there', () => {
    const writes = v2Writes(resources);
    expect(writes.map(({ controller, file, value }) => `${controller}:${file}=${value}`)).toEqual([
      'memory:memory.low=1024',
      'cpuset:cpuset.cpus=0-1',
      'cpuset:cpuset.mems=0',
      'io:io.bfq.weight=500',
      'io:io.max=8:0 wiops=100',
      'hugetlb:hugetlb.2MB.max=2097152',
    ]);
    expect(writes.find((write) => write.file === 'io.bfq.weight')?.orElse).toEqual({ file: 'io.weight', value: String(blkioToIoWeight(500)) });
    expect([blkioToIoWeight(10), blkioToIoWeight(1000)]).toEqual([1, 10000]);
  });

  it('names each by its JSON path, the v1-only ones marked', () => {
    expect(requiredControllers(resources).map(({ controller, flag, v1Only }) => `${controller} ${flag}${v1Only === true ? ' (v1)' : ''}`)).toEqual([
      'memory linux.resources.memory.reservation',
      'memory linux.resources.memory.swappiness, linux.resources.memory.disableOOMKiller, linux.resources.memory.kernelTCP (v1)',
      'cpuset linux.resources.cpu.cpus, linux.resources.cpu.mems',
      'blkio linux.resources.blockIO.weight, linux.resources.blockIO.throttleWriteIOPSDevice',
      'blkio linux.resources.blockIO.weightDevice (v1)',
      'hugetlb linux.resources.hugepageLimits',
      'net_cls linux.resources.network.classID (v1)',
      'net_prio linux.resources.network.priorities (v1)',
    ]);
  });
});
