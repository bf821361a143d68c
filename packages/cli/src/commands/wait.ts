import { RyouikiError, waitContainer, type ContainerState } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { mapContainers } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Wait extends JsonCommand {
  static override summary = 'Wait for containers to stop and print their exit codes (-1 when unknown).';
  static override examples = ['<%= config.bin %> wait web', '<%= config.bin %> wait --json web'];
  static override strict = false;
  static override flags = { ...storeFlags };

  override async run(): Promise<Array<ContainerState | undefined>> {
    const { flags, argv } = await this.parse(Wait);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the containers to wait for: ryouiki wait ID...');
    return mapContainers(argv as string[], async (query) => {
      const state = await waitContainer(query, { root: flags.root });
      const code = state?.exitCode;
      if (!this.jsonEnabled()) process.stdout.write(`${code === null || code === undefined ? -1 : code}\n`);
      return state;
    });
  }
}
