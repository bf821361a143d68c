import { Args } from '@oclif/core';
import { importTarball } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';

export default class Import extends JsonCommand {
  static override summary = 'Make a one-layer image of a root filesystem tarball (tar, tar.gz or tar.zst).';
  static override examples = ['<%= config.bin %> import rootfs.tar mybase'];
  static override aliases = ['image:import'];
  static override args = {
    tarball: Args.string({ description: 'the tarball', required: true }),
    name: Args.string({ description: "the image's name; one without a host is localhost/NAME", required: true }),
  };
  static override flags = { ...storeFlags };

  override async run(): Promise<{ id: string; names: string[] }> {
    const { args, flags } = await this.parse(Import);
    const image = await importTarball(args.tarball, args.name, { root: flags.root });
    if (!this.jsonEnabled()) process.stdout.write(`${image.id.slice(7)}\n`);
    return { id: image.id, names: image.names };
  }
}
