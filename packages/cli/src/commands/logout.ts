import { Args, Flags } from '@oclif/core';
import { authFilePath, parseReference, removeCredentials, RyouikiError } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';

export default class Logout extends JsonCommand {
  static override summary = "Remove a registry's credentials from auth.json.";
  static override examples = ['<%= config.bin %> logout registry.example:5000'];
  static override args = { registry: Args.string({ description: 'HOST[:PORT] of the registry', required: true }) };
  static override flags = { authfile: Flags.string({ description: 'the auth.json (default: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json)' }) };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Logout);
    const registry = parseReference(`${args.registry}/probe`).registry;
    if (!removeCredentials(registry, flags.authfile ?? authFilePath())) throw new RyouikiError('REGISTRY_AUTH_FAILED', `not logged in to ${registry}`);
    if (!this.jsonEnabled()) process.stdout.write(`Removed login credentials for ${registry}\n`);
  }
}
