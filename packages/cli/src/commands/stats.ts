import { Flags } from '@oclif/core';
import { containerStats, type ContainerStats, inspectContainer, isRyouikiError, noCgroupReason, RyouikiError, shortId } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { formatStatsTable } from '../stats-table.js';

/** A detached container's name or id prefix as its full id; anything else (a tenkai container's id) as given. */
async function detachedContainerId(query: string, root: string | undefined): Promise<string> {
  try {
    return (await inspectContainer(query, { root })).id;
  } catch (error) {
    if (isRyouikiError(error) && error.code === 'CONTAINER_NOT_FOUND') return query;
    throw error;
  }
}

export default class Stats extends JsonCommand {
  static override summary = 'Show the memory, processes and CPU time of running containers.';
  static override description = `Reads the cgroups of the containers that run below your own cgroup (or --cgroup-parent): every running container with a cgroup of its own is listed. Without a cgroup delegated to you, containers get none, and stats says so and how to get one. Give container IDs, their first characters, or the names of detached containers, to list only those. With --json, prints what @ryouiki/core's containerStats() returns.`;

  static override examples = ['<%= config.bin %> stats', '<%= config.bin %> stats 3f2a9c --json', '<%= config.bin %> stats web'];
  static override strict = false;

  static override flags = {
    'cgroup-parent': Flags.string({ description: 'the --cgroup-parent the containers were started with' }),
    ...storeFlags,
  };

  override async run(): Promise<ContainerStats[]> {
    const { flags, argv } = await this.parse(Stats);
    const queries = await Promise.all((argv as string[]).map((query) => detachedContainerId(query, flags.root)));
    const { found, unknown } = containerStats(queries, { parent: flags['cgroup-parent'] });
    const undelegated = found.length === 0 ? noCgroupReason({ parent: flags['cgroup-parent'] }) : undefined;
    if (undelegated !== undefined) {
      const why = `containers get no cgroup here, and their stats come from it: ${undelegated}`;
      if (unknown.length > 0) throw new RyouikiError('CGROUP_UNAVAILABLE', `no stats for ${unknown.join(', ')}: ${why}`);
      process.stderr.write(`ryouiki: stats shows no container: ${why}\n`);
    }
    if (unknown.length > 0) {
      throw new RyouikiError('CGROUP_NOT_FOUND', `no running container with a cgroup has the name or an ID starting with ${unknown.join(', ')}: list them with ryouiki stats`);
    }
    if (!this.jsonEnabled()) process.stdout.write(formatStatsTable(found.map((entry) => ({ ...entry, id: shortId(entry.id) }))));
    return found;
  }
}
