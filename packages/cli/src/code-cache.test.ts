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

/** Loads BUNDLE as bin/ does in a new process, runs its main with ARGV; what it printed and how its cache was had. */
function loadAndRun(bundle: string, argv: string[]): { cache: string; stdout: string; status: number | null } {
  const script = `const r = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(bundle)});
    process.stderr.write('cache=' + r.cache + '\\n');
    r.exports.main(${JSON.stringify(argv)}).then((code) => process.exit(code));`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { cache: /cache=(\w+)/.exec(child.stderr)?.[1] ?? `none: ${child.stderr}`, stdout: child.stdout, status: child.status };
}

/** A copy of the runtime's bundle and its cache in a folder of its own, to spoil. */
function runtimeCopy(name: string): string {
  const bundle = join(work, `${name}.cjs`);
  copyFileSync(join(DIST, 'ryouiki-runtime.cjs'), bundle);
  copyFileSync(join(DIST, 'ryouiki-runtime.cjs.cache'), `${bundle}.cache`);
  return bundle;
}

const VERSION_LINE = /^ryouiki-runtime version \d+\.\d+\.\d+\n/;

describe('the V8 code cache of the bundles', () => {
  it('is used as built, by V8 (cachedDataRejected false), for both bundles', () => {
    const runtime = loadAndRun(join(DIST, 'ryouiki-runtime.cjs'), ['--version']);
    expect(runtime).toMatchObject({ cache: 'used', status: 0 });
    expect(runtime.stdout).toMatch(VERSION_LINE);
    const cli = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(join(DIST, 'ryouiki.cjs'))}).cache)`], { encoding: 'utf8' });
    expect(cli.stdout).toBe('used');
  });

  it('is not trusted for a changed bundle, even one of the same length (which V8 itself would take)', () => {
    const bundle = runtimeCopy('changed');
    const source = readFileSync(bundle, 'utf8');
    const changed = source.replace('ryouiki-runtime version', 'ryouiki-runtime VERSION');
    expect(changed).not.toBe(source);
    expect(changed.length).toBe(source.length);
    writeFileSync(bundle, changed);
    const result = loadAndRun(bundle, ['--version']);
    expect(result).toMatchObject({ cache: 'stale', status: 0 });
    expect(result.stdout).toMatch(/^ryouiki-runtime VERSION \d/);
  });

  it('falls back to compiling when V8 refuses a corrupted cache, and when there is none', () => {
    const corrupted = runtimeCopy('corrupted');
    const cache = readFileSync(`${corrupted}.cache`);
    // Past the source hash, V8's own header (its magic number and version hash): V8 checks and refuses it.
    cache.fill(0, 32, 64);
    writeFileSync(`${corrupted}.cache`, cache);
    const refused = loadAndRun(corrupted, ['--version']);
    expect(refused).toMatchObject({ cache: 'rejected', status: 0 });
    expect(refused.stdout).toMatch(VERSION_LINE);

    const truncated = runtimeCopy('truncated');
    writeFileSync(`${truncated}.cache`, readFileSync(`${truncated}.cache`).subarray(0, 1000));
    expect(loadAndRun(truncated, ['--version'])).toMatchObject({ cache: 'rejected', status: 0 });

    const missing = runtimeCopy('missing');
    unlinkSync(`${missing}.cache`);
    const compiled = loadAndRun(missing, ['--version']);
    expect(compiled).toMatchObject({ cache: 'missing', status: 0 });
    expect(compiled.stdout).toMatch(VERSION_LINE);
  });
});
