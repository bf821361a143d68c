/**
 * Loads a bundled file (dist/ryouiki.cjs, dist/ryouiki-runtime.cjs) from the
 * V8 code cache made beside it at build time, so that a call does not compile
 * it again: Node.js 20 has no compile cache of its own. The cache is trusted
 * only for the very source it was made from (a SHA-256 of it heads the file);
 * V8 refuses one made by another version or with other flags. Either way the
 * bundle is then compiled from its source, as without a cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** used: compiled from the cache; missing, stale (made for another source), rejected (by V8): compiled from source. */
export type CodeCacheStatus = 'used' | 'missing' | 'stale' | 'rejected';

export interface LoadedBundle {
  exports: Record<string, unknown>;
  cache: CodeCacheStatus;
}

const HASH_BYTES = 32;

export function codeCachePath(bundle: string): string {
  return `${bundle}.cache`;
}

function sourceHash(source: string): Buffer {
  return createHash('sha256').update(source).digest();
}

function readCodeCache(bundle: string, source: string): { data?: Buffer; status: CodeCacheStatus } {
  let file: Buffer;
  try {
    file = readFileSync(codeCachePath(bundle));
  } catch {
    return { status: 'missing' };
  }
  if (file.length <= HASH_BYTES || !file.subarray(0, HASH_BYTES).equals(sourceHash(source))) return { status: 'stale' };
  return { data: file.subarray(HASH_BYTES), status: 'used' };
}

/**
 * A CommonJS module's wrapper, with one more argument: Node's import() for the
 * bundle's own (scripts/bundle.mjs routes them to it), since V8 gives code it
 * compiled from a cache no loader for import() in Node.js 20.
 */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname, __ryouikiImport) {${source}\n})`;
}

function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}

function compile(bundle: string, source: string, cachedData?: Buffer): Script {
  return new Script(wrap(source), { filename: bundle, cachedData });
}

type Wrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string, importer: typeof importModule) => void;

/** Runs the compiled bundle as the CommonJS module BUNDLE, registered so that a later require() of it finds this one. */
function evaluate(bundle: string, script: Script): Module {
  const module = new Module(bundle);
  module.filename = bundle;
  require.cache[bundle] = module;
  const wrapper = script.runInThisContext() as Wrapper;
  wrapper.call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, dirname(bundle), importModule);
  module.loaded = true;
  return module;
}

/** Loads BUNDLE (an absolute path), from its code cache when that fits. */
export function loadBundle(bundle: string): LoadedBundle {
  const source = readFileSync(bundle, 'utf8');
  const cached = readCodeCache(bundle, source);
  const script = compile(bundle, source, cached.data);
  const cache = script.cachedDataRejected === true ? 'rejected' : cached.status;
  return { exports: evaluate(bundle, script).exports as Record<string, unknown>, cache };
}

/**
 * Writes BUNDLE's code cache, at build time: the bundle is compiled and its
 * top level run first, so that the functions its loading compiles are in it too.
 */
export function writeCodeCache(bundle: string): void {
  const source = readFileSync(bundle, 'utf8');
  const script = compile(bundle, source);
  evaluate(bundle, script);
  const path = codeCachePath(bundle);
  writeFileSync(`${path}.tmp`, Buffer.concat([sourceHash(source), script.createCachedData()]));
  renameSync(`${path}.tmp`, path);
}
