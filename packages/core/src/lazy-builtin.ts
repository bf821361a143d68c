import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/**
 * A built-in module, required when first used. Some cost a CLI or an OCI
 * runtime call more, loaded up front, than the call itself, and are seldom
 * used on its path: node:child_process (with node:net and the streams) in the
 * modules that can spawn (OCI hooks, id maps, systemd's bus), node:http,
 * node:https and node:tls in the registry client.
 */
export function builtin<Module>(name: `node:${string}`): Module {
  return requireBuiltin(name) as Module;
}

export function childProcess(): typeof import('node:child_process') {
  return builtin('node:child_process');
}
