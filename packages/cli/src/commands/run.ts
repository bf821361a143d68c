import { Flags } from '@oclif/core';
import { RyouikiError } from '@ryouiki/core/internal';
import { imagePositionals } from '../image-flags.js';
import { launchDetached, launchInForeground, planLaunch } from '../launch.js';
import { ProgramCommand } from '../program-command.js';
import Start from './start.js';

export default class Run extends ProgramCommand {
  static override summary = 'Run a command in a new container, as podman run: in the foreground, or detached with -d.';
  static override description = `ryouiki run [FLAGS] (--path DIR | IMAGE) [--] COMMAND [ARG...]

Without -d it is tenkai: the command runs in the foreground and ryouiki exits with its exit code. With -d it is start: the container runs under its supervisor and its id is printed. Every flag of tenkai and start is taken. Everything from the first argument after IMAGE (with --path: the first argument that is not a flag), or after --, is the command's, exactly as given.`;

  static override examples = [
    '<%= config.bin %> run --rm alpine echo hello',
    "<%= config.bin %> run --rm -e GREETING=hi --path ./rootfs sh -c 'echo $GREETING'",
    '<%= config.bin %> run -d --name web -p 8080:80 --path ./rootfs httpd -f -p 80',
  ];

  static override strict = false;

  static override flags = {
    ...Start.flags,
    detach: Flags.boolean({ char: 'd', description: 'run detached, as ryouiki start: print the id and return once the command runs' }),
    rm: Flags.boolean({ description: 'with -d: remove the container and its log once it has ended (a foreground container always is)' }),
  };

  /** The image comes first, unless --path, --bundle or --image gives the container. */
  static leadingPositionals = imagePositionals;

  override async run(): Promise<void> {
    const { flags, argv, raw, program } = await this.parseProgram(Run);
    const [image] = argv as string[];
    if (flags.path === undefined && flags.bundle === undefined && flags.image === undefined && image === undefined) {
      throw new RyouikiError('USAGE', 'no container given: ryouiki run (--path DIR | IMAGE) COMMAND...');
    }
    const launch = await planLaunch(flags, program, raw, image);
    if (flags.detach) process.stdout.write(`${await launchDetached(flags, launch, 'run -d')}\n`);
    else process.exitCode = await launchInForeground(flags, launch);
  }
}
