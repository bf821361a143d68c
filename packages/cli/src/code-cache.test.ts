import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

// The built files (make builds them before the tests): each child is a fresh Node.js, as a call of ryouiki is.
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const LOADER = join(DIST, 'code-cache.cjs');
const work = mkdtempSync(join(tmpdir(), 'ryouiki-code-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Loads BUNDLE (the runtime's container commands) as bin/ does in a new process and prints its features; what it printed and how its cache was had. */
function loadAndRun(bundle: string): { cache: string; stdout: string; status: number | null } {
  const script = `const r = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(bundle)});
    process.stderr.write('cache=' + r.cache + '\\n');
    process.stdout.write(JSON.stringify(r.exports.ociFeatures()));`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { cache: /cache=(\w+)/.exec(child.stderr)?.[1] ?? `none: ${child.stderr}`, stdout: child.stdout, status: child.status };
}

const RUNTIME_BUNDLE = join(DIST, 'ryouiki-runtime-containers.cjs');

/** A copy of the runtime's bundle of container commands and its cache in a folder of its own, to spoil. */
function runtimeCopy(name: string): string {
  const bundle = join(work, `${name}.cjs`);
  copyFileSync(RUNTIME_BUNDLE, bundle);
  copyFileSync(`${RUNTIME_BUNDLE}.cache`, `${bundle}.cache`);
  return bundle;
}

const FEATURES = /^\{"ociVersionMin":"\d+\.\d+\.\d+"/;

describe('the V8 code cache of the bundles', () => {
  it('is used as built, by V8 (cachedDataRejected false), for both bundles', () => {
    const runtime = loadAndRun(RUNTIME_BUNDLE);
    expect(runtime).toMatchObject({ cache: 'used', status: 0 });
    expect(runtime.stdout).toMatch(FEATURES);
    const cli = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(join(DIST, 'ryouiki.cjs'))}).cache)`], { encoding: 'utf8' });
    expect(cli.stdout).toBe('used');
  });

  it('is not trusted for a changed bundle, even one of the same length (which V8 itself would take)', () => {
    const bundle = runtimeCopy('changed');
    const source = readFileSync(bundle, 'utf8');
    const changed = source.replace('ociVersionMin:', 'OCIVERSIONMIN:');
    expect(changed).not.toBe(source);
    expect(changed.length).toBe(source.length);
    writeFileSync(bundle, changed);
    const result = loadAndRun(bundle);
    expect(result).toMatchObject({ cache: 'stale', status: 0 });
    expect(result.stdout).toMatch(/^\{"OCIVERSIONMIN":"\d/);
  });

  it('falls back to compiling when V8 refuses a corrupted cache, and when there is none', () => {
    const corrupted = runtimeCopy('corrupted');
    const cache = readFileSync(`${corrupted}.cache`);
    // Past the source hash, V8's own header (its magic number and version hash): V8 checks and refuses it.
    cache.fill(0, 32, 64);
    writeFileSync(`${corrupted}.cache`, cache);
    const refused = loadAndRun(corrupted);
    expect(refused).toMatchObject({ cache: 'rejected', status: 0 });
    expect(refused.stdout).toMatch(FEATURES);

    const truncated = runtimeCopy('truncated');
    writeFileSync(`${truncated}.cache`, readFileSync(`${truncated}.cache`).subarray(0, 1000));
    expect(loadAndRun(truncated)).toMatchObject({ cache: 'rejected', status: 0 });

    const missing = runtimeCopy('missing');
    unlinkSync(`${missing}.cache`);
    const compiled = loadAndRun(missing);
    expect(compiled).toMatchObject({ cache: 'missing', status: 0 });
    expect(compiled.stdout).toMatch(FEATURES);
  });
});
