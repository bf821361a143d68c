#!/usr/bin/env node
// make bench: start-to-exit latency of /bin/true in a busybox rootfs, Ryouiki
// side by side with its peers, measured in one run with the contenders
// interleaved (A, B, A, B, ...), medians after a warm-up, and ratios against
// the targets of the speed issue. Installs nothing: a peer that is missing is
// named as skipped. Usage: node bench/bench.mjs [--runs N] [--out FILE]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatMs, formatTable, median } from './stats.mjs';
import { benchSession, findPeers } from './peers.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: cli } = parseArgs({ options: { runs: { type: 'string', default: '20' }, out: { type: 'string' } } });
const RUNS = Math.max(20, Number(cli.runs));
const WARMUP = 3;

function timeProcess(argv, env = process.env) {
  const start = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status ?? result.signal}): ${String(result.stderr).trim()}`);
  return elapsed;
}

async function timeCall(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs every contender of a case in turn, round after round, so drift hits all alike. */
async function measureCase(contenders) {
  const samples = new Map(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const contender of contenders) {
      const ms = contender.argv ? timeProcess(contender.argv, contender.env) : await timeCall(contender.call);
      if (round >= WARMUP) samples.get(contender.name).push(ms);
    }
  }
  return contenders.map((c) => ({ name: c.name, medianMs: median(samples.get(c.name)), samples: samples.get(c.name) }));
}

function ratioCheck(results, name, reference, limit) {
  const ours = results.find((r) => r.name === name);
  const base = results.find((r) => r.name === reference);
  if (!ours || !base) return undefined;
  const ratio = ours.medianMs / base.medianMs;
  return { target: `${name} <= ${limit} x ${reference}`, value: `${ratio.toFixed(2)} x`, met: ratio <= limit };
}

function differenceCheck(results, name, reference, limitMs) {
  const ours = results.find((r) => r.name === name);
  const base = results.find((r) => r.name === reference);
  if (!ours || !base) return undefined;
  const difference = ours.medianMs - base.medianMs;
  return { target: `${name} <= ${reference} + ${limitMs} ms`, value: `${difference >= 0 ? '+' : ''}${difference.toFixed(1)} ms`, met: difference <= limitMs };
}

function printCase(title, results, reference) {
  const base = results.find((r) => r.name === reference);
  const rows = results.map((r) => [r.name, formatMs(r.medianMs), base ? `${(r.medianMs / base.medianMs).toFixed(2)} x` : '']);
  console.log(`\n${title} (median of ${RUNS} runs; ratio to ${reference})\n${formatTable(['contender', 'median', 'ratio'], rows)}`);
}

async function main() {
  if (process.getuid?.() === 0) throw new Error('run the benchmark as an unprivileged user (make bench does so when started as root)');
  const work = mkdtempSync(join(tmpdir(), 'ryouiki-bench-'));
  const userEnv = { ...process.env };
  const session = benchSession(work);
  try {
    const rootfs = join(work, 'rootfs');
    spawnSync(join(REPO, 'scripts', 'make-busybox-rootfs.sh'), [rootfs], { stdio: 'inherit' });
    Object.assign(process.env, session.env);
    const peers = await findPeers({ repo: REPO, rootfs, work, session, userEnv });
    console.log(`runtime state of ryouiki and runc: ${session.runtime} (${session.filesystem}), as a login session's XDG_RUNTIME_DIR`);
    for (const skipped of peers.skipped) console.log(`skipped peer: ${skipped}`);
    const cases = [];

    // The target compares like with like: run() set up as bwrap sets up; the defaults add id maps through newuidmap, a cgroup and seccomp.
    const library = [
      { name: 'run(), as bwrap sets up', call: peers.libraryRunLean },
      { name: 'run(), defaults', call: peers.libraryRun },
    ];
    if (peers.bwrapFromNode) library.push({ name: 'bwrap --unshare-all', call: peers.bwrapFromNode });
    cases.push({
      title: '1. from a warm Node.js process',
      contenders: library,
      reference: 'bwrap --unshare-all',
      checks: (r) => [ratioCheck(r, 'run(), as bwrap sets up', 'bwrap --unshare-all', 1.3), ratioCheck(r, 'run(), defaults', 'bwrap --unshare-all', 2)],
    });

    // Beside the target, the floors: Node.js spawning the helper and nothing else, and the launch pipeline without oclif.
    const whole = [
      { name: 'ryouiki tenkai', argv: peers.tenkai },
      { name: 'node -e 0', argv: ['node', '-e', '0'] },
      { name: 'node spawning ryouiki-init', argv: peers.nodeSpawningHelper },
    ];
    if (peers.runtimeRun) whole.push({ name: 'ryouiki-runtime run (no oclif)', argv: peers.runtimeRun });
    if (peers.runc) whole.push({ name: 'runc run (rootless)', argv: peers.runc });
    if (peers.podmanNone) whole.push({ name: 'podman run --network none', argv: peers.podmanNone, env: peers.podmanEnv });
    cases.push({ title: '2. as a whole process', contenders: whole, reference: 'node -e 0', checks: (r) => [ratioCheck(r, 'ryouiki tenkai', 'node -e 0', 2)] });

    const helper = [{ name: 'ryouiki-init', argv: peers.helper }];
    if (peers.bwrap) helper.push({ name: 'bwrap --unshare-all', argv: peers.bwrap });
    cases.push({ title: '3. the helper alone, same namespaces and mounts', contenders: helper, reference: 'bwrap --unshare-all', checks: (r) => [differenceCheck(r, 'ryouiki-init', 'bwrap --unshare-all', 2)] });

    // ryouiki-runtime is bundled apart from oclif: each engine call pays only Node.js and its own file.
    const runtimeCalls = [
      { name: 'ryouiki-runtime --version', argv: [peers.runtime, '--version'] },
      { name: 'ryouiki-runtime list', argv: [peers.runtime, '--root', join(session.runtime, 'ryouiki-runtime'), 'list'] },
      { name: 'node -e 0', argv: ['node', '-e', '0'] },
    ];
    const runcPath = spawnSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).stdout.trim();
    if (runcPath !== '') runtimeCalls.push({ name: 'runc --version', argv: [runcPath, '--version'] }, { name: 'runc list', argv: [runcPath, '--root', join(session.runtime, 'runc'), 'list'] });
    cases.push({
      title: '4. the OCI runtime command line, one call',
      contenders: runtimeCalls,
      reference: 'node -e 0',
      checks: (r) => [ratioCheck(r, 'ryouiki-runtime --version', 'node -e 0', 1.3), ratioCheck(r, 'ryouiki-runtime list', 'node -e 0', 1.3)],
    });

    // podman calls its runtime three times a run (create, start, delete), and state and kill on the way.
    if (peers.podmanThroughRyouiki) {
      const throughRuntimes = [
        { name: 'podman through ryouiki-runtime', argv: peers.podmanThroughRyouiki, env: peers.podmanEnv },
        { name: 'podman through runc', argv: peers.podmanNone, env: peers.podmanEnv },
      ];
      cases.push({ title: '5. podman run --rm --network none, by its OCI runtime', contenders: throughRuntimes, reference: 'podman through runc', checks: (r) => [ratioCheck(r, 'podman through ryouiki-runtime', 'podman through runc', 1)] });
    }

    const report = { part: 'latency', date: new Date().toISOString(), runs: RUNS, runtimeState: session.filesystem, skipped: peers.skipped, cases: [], targets: [] };
    for (const benchCase of cases) {
      const results = await measureCase(benchCase.contenders);
      printCase(benchCase.title, results, benchCase.reference);
      report.cases.push({ title: benchCase.title, reference: benchCase.reference, results: results.map(({ name, medianMs }) => ({ name, medianMs })) });
      report.targets.push(...benchCase.checks(results).filter(Boolean));
    }
    console.log(`\nTargets\n${formatTable(['target', 'measured', 'met'], report.targets.map((t) => [t.target, t.value, t.met ? 'yes' : 'MISSED']))}`);
    if (cli.out) {
      mkdirSync(dirname(resolve(cli.out)), { recursive: true });
      writeFileSync(cli.out, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nwrote ${cli.out}`);
    }
    await peers.cleanup();
  } finally {
    session.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
