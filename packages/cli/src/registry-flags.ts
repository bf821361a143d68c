import { Flags } from '@oclif/core';
import type { RegistryOptions } from '@ryouiki/core/internal';

/** The registry flags pull, login and the --image commands share, as podman spells them. */
export const registryFlags = {
  'tls-verify': Flags.string({ description: "verify the registry's certificate (false also allows plain HTTP)", options: ['true', 'false'], default: 'true' }),
  'cert-dir': Flags.string({ description: 'folder of *.crt CA certificates for the registry (default: ~/.config/containers/certs.d/HOST:PORT)' }),
  authfile: Flags.string({ description: 'the auth.json of the credentials (default: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json)' }),
};

export function registryOptions(flags: { 'tls-verify'?: string; 'cert-dir'?: string; authfile?: string }): RegistryOptions {
  return { tlsVerify: flags['tls-verify'] !== 'false', certDir: flags['cert-dir'], authFile: flags.authfile };
}

/** Where a pull says what it does: stderr, as podman does, so stdout holds only the image id. */
export function progressOnStderr(quiet: boolean | undefined): ((message: string) => void) | undefined {
  return quiet === true ? undefined : (message) => process.stderr.write(`${message}\n`);
}
