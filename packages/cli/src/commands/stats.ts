import { Flags } from '@oclif/core';
import { containerStats, RyouikiError, shortId, type ContainerStats } from '@ryouiki/core';
import { JsonCommand } from '../json-command.js';
import { formatStatsTable } from '../stats-table.js';

export default class Stats extends JsonCommand {
  static override summary = 'Show the memory, processes and CPU time of running containers.';
  static override description = `Reads the cgroups of the containers that run below your own cgroup (or --cgroup-parent): every running container with a cgroup of its own is listed. Give container IDs, or their first characters, to list only those. With --json, prints what @ryouiki/core's containerStats() returns.`;

  static override examples = ['<%= config.bin %> stats', '<%= config.bin %> stats 3f2a9c --json'];
  static override strict = false;
  static override enableJsonFlag = true;

  static override flags = {
    'cgroup-parent': Flags.string({ description: 'the --cgroup-parent the containers were started with' }),
  };

  override async run(): Promise<ContainerStats[]> {
    const { flags, argv } = await this.parse(Stats);
    const { found, unknown } = containerStats(argv as string[], { parent: flags['cgroup-parent'] });
    if (unknown.length > 0) {
      throw new RyouikiError('CGROUP_NOT_FOUND', `no running container with a cgroup has an ID starting with ${unknown.join(', ')}: list them with ryouiki stats`);
    }
    if (!this.jsonEnabled()) process.stdout.write(formatStatsTable(found.map((entry) => ({ ...entry, id: shortId(entry.id) }))));
    return found;
  }
}
