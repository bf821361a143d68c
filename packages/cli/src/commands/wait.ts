import { Command } from '@oclif/core';
import { RyouikiError, waitContainer } from '@ryouiki/core';
import { forEachContainer } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Wait extends Command {
  static override summary = 'Wait for containers to stop and print their exit codes (-1 when unknown).';
  static override examples = ['<%= config.bin %> wait web'];
  static override strict = false;
  static override flags = { ...storeFlags };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Wait);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to wait for: ryouiki wait ID...');
    await forEachContainer(argv as string[], async (query) => {
      const state = await waitContainer(query, { root: flags.root });
      const code = state?.exitCode;
      process.stdout.write(`${code === null || code === undefined ? -1 : code}\n`);
    });
  }
}
