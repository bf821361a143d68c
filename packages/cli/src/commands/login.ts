import { Args, Flags } from '@oclif/core';
import { authFilePath, parseReference, RegistryClient, RyouikiError, storeCredentials } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { registryFlags, registryOptions } from '../registry-flags.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export default class Login extends JsonCommand {
  static override summary = "Check credentials against a registry and store them in auth.json (podman's and skopeo's format).";
  static override examples = ['printf %s "$TOKEN" | <%= config.bin %> login -u me --password-stdin registry.example:5000'];
  static override args = { registry: Args.string({ description: 'HOST[:PORT] of the registry', required: true }) };
  static override flags = {
    username: Flags.string({ char: 'u', description: 'the user name', required: true }),
    password: Flags.string({ char: 'p', description: 'the password (visible in the process list: prefer --password-stdin)' }),
    'password-stdin': Flags.boolean({ description: 'read the password from stdin' }),
    ...registryFlags,
  };

  override async run(): Promise<{ registry: string; authFile: string }> {
    const { args, flags } = await this.parse(Login);
    const password = flags['password-stdin'] ? await readStdin() : flags.password;
    if (password === undefined) throw new RyouikiError('USAGE', 'give the password with --password-stdin (or -p)');
    const registry = parseReference(`${args.registry}/probe`).registry;
    const credentials = { username: flags.username, password };
    await new RegistryClient(registry, 'probe', { ...registryOptions(flags), credentials }).ping();
    const authFile = storeCredentials(registry, credentials, flags.authfile ?? authFilePath());
    if (!this.jsonEnabled()) process.stdout.write('Login Succeeded!\n');
    return { registry, authFile };
  }
}
