import { Command, Flags } from '@oclif/core';
import { listContainers } from '@ryouiki/core/internal';
import { psTable } from '../container-view.js';
import { storeFlags } from '../flags.js';

export default class Ps extends Command {
  static override summary = 'List detached containers: the running ones, or all with -a.';
  static override examples = ['<%= config.bin %> ps', '<%= config.bin %> ps -a --json'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'list stopped and created containers too' }),
    json: Flags.boolean({ description: 'print the containers\' full states as a JSON array' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Ps);
    const states = (await listContainers({ root: flags.root })).filter((state) => flags.all || state.status === 'running');
    process.stdout.write(flags.json ? `${JSON.stringify(states, null, 2)}\n` : psTable(states));
  }
}
