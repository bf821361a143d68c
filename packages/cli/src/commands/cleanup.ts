import { Args, Command } from '@oclif/core';
import { settleContainer, storeDirs } from '@ryouiki/core/internal';
import { storeFlags } from '../flags.js';

/** Run by ryouiki-monitor once a container has ended: records the end and tears down. */
export default class Cleanup extends Command {
  static override hidden = true;
  static override summary = 'Record that a detached container has ended, and tear it down (run by its supervisor).';
  static override args = { id: Args.string({ required: true, description: "the container's full id" }) };
  static override flags = { ...storeFlags };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Cleanup);
    await settleContainer(storeDirs({ root: flags.root }), args.id);
  }
}
