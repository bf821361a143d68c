import { Args, Flags } from '@oclif/core';
import { pull } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { progressOnStderr, registryFlags, registryOptions } from '../registry-flags.js';

export default class Pull extends JsonCommand {
  static override summary = 'Pull an image from a registry into the image store.';
  static override description = 'HOST[:PORT]/NAME[:TAG|@DIGEST]; a short name such as alpine is docker.io/library/alpine:latest, as podman reads it. Prints the image id.';
  static override examples = ['<%= config.bin %> pull alpine', '<%= config.bin %> pull --tls-verify=false localhost:5000/debian:bookworm'];
  static override args = { image: Args.string({ description: 'the image reference', required: true }) };
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only the image id' }),
    ...registryFlags,
    ...storeFlags,
  };

  override async run(): Promise<{ id: string; names: string[] }> {
    const { args, flags } = await this.parse(Pull);
    const image = await pull(args.image, { root: flags.root, ...registryOptions(flags), onProgress: this.jsonEnabled() ? undefined : progressOnStderr(flags.quiet) });
    if (!this.jsonEnabled()) process.stdout.write(`${image.id.slice(7)}\n`);
    return { id: image.id, names: image.names };
  }
}
