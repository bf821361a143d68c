import { Args, Command } from '@oclif/core';
import { copy, parseCopyEnd } from '../copy.js';
import { storeFlags } from '../flags.js';

export default class Cp extends Command {
  static override summary = 'Copy files and folders between the host and a running container.';
  static override description =
    "As podman cp: one side is CONTAINER:PATH. When the target is an existing folder, the source goes inside it; otherwise it is copied as the target. The container's side is done inside the container (ryouiki exec, its namespaces and user) with its own tar, so nothing is written outside its root; the container needs a tar (busybox has one).";
  static override examples = ['<%= config.bin %> cp ./site web:/var/www'];
  static override args = {
    source: Args.string({ description: 'HOST_PATH or CONTAINER:PATH', required: true }),
    target: Args.string({ description: 'CONTAINER:PATH or HOST_PATH', required: true }),
  };
  static override flags = { ...storeFlags };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Cp);
    await copy(parseCopyEnd(args.source), parseCopyEnd(args.target), flags.root);
  }
}
