import { Flags } from '@oclif/core';
import { listContainers, removeContainer } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { mapContainers, namedOrAll } from '../each-container.js';
import { storeFlags } from '../flags.js';

export default class Rm extends JsonCommand {
  static override summary = 'Remove stopped containers: their state and logs.';
  static override examples = ['<%= config.bin %> rm web', '<%= config.bin %> rm -f -a'];
  static override strict = false;
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'stop running containers first (SIGKILL)' }),
    all: Flags.boolean({ char: 'a', description: 'remove every container (the running ones too with -f)' }),
    ...storeFlags,
  };

  override async run(): Promise<string[]> {
    const { flags, argv } = await this.parse(Rm);
    const root = flags.root;
    const queries = await namedOrAll(argv as string[], flags.all, 'ryouiki rm [-f] (ID... | -a)', async () => (await listContainers({ root })).map((state) => state.id));
    return mapContainers(queries, async (query) => {
      const id = await removeContainer(query, flags.force, { root });
      if (!this.jsonEnabled()) process.stdout.write(`${query}\n`);
      return id;
    });
  }
}
