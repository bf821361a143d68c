import { Flags } from '@oclif/core';
import { execInContainer, RyouikiError } from '@ryouiki/core/internal';
import { envEntries, envFlags } from '../env-flags.js';
import { storeFlags } from '../flags.js';
import { ProgramCommand } from '../program-command.js';
import { terminalFlags, warnWithoutHostTerminal } from '../terminal.js';

export default class Exec extends ProgramCommand {
  static override summary = 'Run a program inside a running container.';
  static override description =
    "The program joins all the container's namespaces and gets its environment (with --env-file and -e laid over it) and working directory; ryouiki exits with the program's exit code. Everything after the container, or after --, is the program's, exactly as given: ryouiki exec web ps -o pid passes -o to ps.";
  static override examples = ['<%= config.bin %> exec web ps -o pid,args', "<%= config.bin %> exec -e DEBUG=1 -w /tmp 3f2a sh -c 'echo $DEBUG'"];
  static override strict = false;
  static override flags = {
    ...envFlags('env'),
    workdir: Flags.string({ char: 'w', description: 'working directory inside the container' }),
    user: Flags.string({ char: 'u', description: "UID or UID:GID inside the container (default: the container's user)" }),
    interactive: terminalFlags.interactive,
    tty: terminalFlags.tty,
    ...storeFlags,
  };

  /** The container comes first. */
  static leadingPositionals = (): number => 1;

  override async run(): Promise<void> {
    const { flags, argv, program } = await this.parseProgram(Exec);
    const [container] = argv as string[];
    if (container === undefined) throw new RyouikiError('USAGE', 'name the container and the program: ryouiki exec ID PROGRAM ARGS');
    warnWithoutHostTerminal(flags);
    const env = envEntries(flags['env-file'], flags.env);
    process.exitCode = await execInContainer(container, program, { root: flags.root, env, cwd: flags.workdir, user: flags.user, tty: flags.tty, interactive: flags.interactive });
  }
}
