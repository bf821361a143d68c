import { Args, Command } from '@oclif/core';
import { inspectContainer, pidNamespaceMembers, requireRunning, RyouikiError } from '@ryouiki/core/internal';
import { storeFlags } from '../flags.js';
import { processTable } from '../process-table.js';

export default class Top extends Command {
  static override summary = 'Show the processes of a running container.';
  static override description =
    "Every process in the container's PID namespace (exec'd ones too), as the container sees them: USER and PID are its own, as with podman top's default columns. Other columns (podman top CONTAINER DESCRIPTORS...) are not supported.";
  static override examples = ['<%= config.bin %> top web'];
  static override strict = false;
  static override args = { container: Args.string({ description: 'id, unique id prefix (4 or more digits) or name', required: true }) };
  static override flags = { ...storeFlags };

  override async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Top);
    if (argv.length > 1) throw new RyouikiError('USAGE', `ryouiki top takes no descriptors (got ${JSON.stringify(argv[1])}): it shows USER, PID, PPID, TIME and COMMAND`);
    const state = await inspectContainer(args.container, { root: flags.root });
    process.stdout.write(processTable(pidNamespaceMembers(requireRunning(state, args.container))));
  }
}
