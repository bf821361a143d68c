import { Command, Flags } from '@oclif/core';
import { execInContainer, RyouikiError } from '@ryouiki/core/internal';
import { storeFlags } from '../flags.js';
import { terminalFlags, warnWithoutHostTerminal } from '../terminal.js';

export default class Exec extends Command {
  static override summary = 'Run a program inside a running container.';
  static override description = 'The program joins all the container\'s namespaces and gets its environment (with --env laid over it) and working directory; ryouiki exits with the program\'s exit code.';
  static override examples = ['<%= config.bin %> exec web -- ps', '<%= config.bin %> exec -e DEBUG=1 -w /tmp 3f2a -- sh -c \'echo $DEBUG\''];
  static override strict = false;
  static override flags = {
    env: Flags.string({ char: 'e', description: 'KEY=VALUE for the program\'s environment; repeatable', multiple: true, multipleNonGreedy: true }),
    workdir: Flags.string({ char: 'w', description: 'working directory inside the container' }),
    user: Flags.string({ char: 'u', description: "UID or UID:GID inside the container (default: the container's user)" }),
    interactive: terminalFlags.interactive,
    tty: terminalFlags.tty,
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Exec);
    const [container, ...program] = argv as string[];
    if (container === undefined) throw new RyouikiError('USAGE', 'name the container and the program: ryouiki exec ID -- PROGRAM ARGS');
    warnWithoutHostTerminal(flags);
    process.exitCode = await execInContainer(container, program, { root: flags.root, env: flags.env, cwd: flags.workdir, user: flags.user, tty: flags.tty, interactive: flags.interactive });
  }
}
