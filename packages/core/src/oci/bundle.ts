import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RyouikiError } from '../errors.js';
import type { ContainerSpec } from '../spec/spec.js';
import { HOOK_KINDS, type OciConfig, type OciHook, type OciHooks } from './config.js';
import { translateLinux } from './linux.js';
import { sysfsAsHostBind, translateMounts } from './mounts.js';
import { translateProcess } from './process.js';
import { OciReader } from './reader.js';

export type { OciConfig, OciHook, OciHookKind, OciHooks } from './config.js';
export { HOOK_KINDS } from './config.js';

export interface OciOptions {
  /** Run without the fields Ryouiki does not implement instead of refusing the bundle (`--ignore-unsupported`). */
  ignoreUnsupported?: boolean;
  /**
   * Root mode (default: when running as root): a config without a user
   * namespace runs in the host's, as runc runs it as root. Otherwise Ryouiki
   * makes one of its own, mapping only the caller.
   */
  asRoot?: boolean;
}

/** A bundle, read and translated: the config as given, the spec Ryouiki runs, and what the spec has no place for. */
export interface OciBundle {
  config: OciConfig;
  spec: ContainerSpec;
  hooks: OciHooks;
  annotations: Record<string, string>;
  /** The bundle folder, absolute: the `bundle` of the OCI state. */
  bundleDir: string;
  /** The fields left out with ignoreUnsupported, as JSON paths (empty otherwise). */
  ignored: string[];
  /** linux.cgroupsPath as given: Ryouiki places the container's cgroup itself, below the caller's. */
  cgroupsPath?: string;
}

/** The runtime-spec versions whose config.json Ryouiki reads: every 1.x, as a later minor only adds fields (ignored when unknown), as runc reads them. */
const VERSION = /^1\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Top-level fields of other platforms. */
const UNSUPPORTED_TOP = ['solaris', 'windows', 'vm', 'zos'];

function checkVersion(value: unknown, reader: OciReader): string {
  const version = reader.string(value, 'ociVersion');
  if (!VERSION.test(version)) throw reader.invalid('ociVersion', `${JSON.stringify(version)} is not a runtime-spec version Ryouiki reads: use a 1.x version such as 1.0.2`);
  return version;
}

function hookList(value: unknown, path: string, reader: OciReader): OciHook[] {
  return reader.list(value, path).map((item, index) => {
    const at = `${path}[${index}]`;
    const object = reader.object(item, at);
    const hook: OciHook = { path: reader.absolutePath(object.path, `${at}.path`) };
    const args = reader.stringList(object.args, `${at}.args`);
    const env = reader.stringList(object.env, `${at}.env`);
    const timeout = reader.optionalInteger(object.timeout, `${at}.timeout`, 1);
    if (args.length > 0) hook.args = args;
    if (env.length > 0) hook.env = env;
    if (timeout !== undefined) hook.timeout = timeout;
    return hook;
  });
}

function readHooks(value: unknown, reader: OciReader): OciHooks {
  const object = reader.optionalObject(value, 'hooks') ?? {};
  const hooks: OciHooks = {};
  for (const kind of HOOK_KINDS) {
    const list = hookList(object[kind], `hooks.${kind}`, reader);
    if (list.length > 0) hooks[kind] = list;
  }
  return hooks;
}

function unsupportedError(fields: string[], file: string): RyouikiError {
  const them = fields.length === 1 ? 'it' : 'them';
  const message = `${file}: ${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not supported by ryouiki: remove ${them}, or pass --ignore-unsupported to run without ${them}`;
  return new RyouikiError('OCI_UNSUPPORTED', message, { problems: fields.map((path) => ({ path, code: 'OCI_UNSUPPORTED', message: `${path} is not supported` })) });
}

/** Translates a parsed config.json; throws for an invalid one, or for unsupported fields unless ignoreUnsupported. */
function translate(value: unknown, bundleDir: string, options: OciOptions, file: string): Omit<OciBundle, 'config'> {
  const reader = new OciReader(file);
  const config = reader.object(value, '(the whole file)');
  const ociVersion = checkVersion(config.ociVersion, reader);
  reader.unsupportedFields(config, UNSUPPORTED_TOP, '');
  const process = translateProcess(config.process, reader);
  const root = reader.object(config.root, 'root');
  const { linux, cgroupsPath } = translateLinux(config.linux, reader, options.asRoot ?? globalThis.process.geteuid?.() === 0);
  const spec: ContainerSpec = {
    ociVersion,
    process,
    root: { path: resolve(bundleDir, reader.string(root.path, 'root.path')), readonly: reader.boolean(root.readonly, 'root.readonly') ?? false, readonlyTmpfs: false },
    mounts: sysfsAsHostBind(
      translateMounts(config.mounts, bundleDir, reader),
      linux.namespaces.some((namespace) => namespace.type === 'network' && namespace.path === undefined),
    ),
    onlyGivenMounts: true,
    linux,
  };
  const hostname = reader.optionalString(config.hostname, 'hostname');
  if (hostname !== undefined && hostname !== '') spec.hostname = hostname;
  const domainname = reader.optionalString(config.domainname, 'domainname');
  if (domainname !== undefined && domainname !== '') spec.domainname = domainname;
  const hooks = readHooks(config.hooks, reader);
  const annotations = reader.stringMap(config.annotations, 'annotations');
  if (reader.unsupported.length > 0 && options.ignoreUnsupported !== true) throw unsupportedError(reader.unsupported, file);
  const bundle: Omit<OciBundle, 'config'> = { spec, hooks, annotations, bundleDir: resolve(bundleDir), ignored: [...reader.unsupported] };
  if (cgroupsPath !== undefined) bundle.cgroupsPath = cgroupsPath;
  return bundle;
}

/**
 * A config.json (parsed) as Ryouiki's spec: pure, nothing read from disk.
 * Paths in it (root.path, bind sources) are resolved against bundleDir.
 */
export function ociConfigToSpec(config: unknown, bundleDir: string, options: OciOptions = {}): ContainerSpec {
  return translate(config, bundleDir, options, 'config.json').spec;
}

function readConfigText(file: string, bundleDir: string): string {
  try {
    if (!statSync(bundleDir).isDirectory()) throw new RyouikiError('OCI_CONFIG_INVALID', `bundle ${bundleDir} is not a folder: give the folder holding config.json`);
  } catch (error) {
    if (error instanceof RyouikiError) throw error;
    throw new RyouikiError('OCI_CONFIG_INVALID', `bundle ${bundleDir} does not exist: give the folder holding config.json`);
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RyouikiError('OCI_CONFIG_INVALID', `${file} does not exist: a bundle needs a config.json (ryouiki spec writes one)`);
    throw new RyouikiError('OCI_CONFIG_INVALID', `${file}: cannot read it (${code ?? 'error'})`);
  }
}

/** Reads DIR/config.json and translates it; the rootfs is root.path, relative to DIR unless absolute. */
export async function loadOciBundle(bundleDir: string, options: OciOptions = {}): Promise<OciBundle> {
  const dir = resolve(bundleDir);
  const file = join(dir, 'config.json');
  const text = readConfigText(file, dir);
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new RyouikiError('OCI_CONFIG_INVALID', `${file}: not valid JSON: ${(error as Error).message}`);
  }
  return { config: config as OciConfig, ...translate(config, dir, options, file) };
}
