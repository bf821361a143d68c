import { Flags } from '@oclif/core';
import { launchDetached, planLaunch } from '../launch.js';
import { ProgramCommand } from '../program-command.js';
import { imagePositionals } from '../image-flags.js';
import { detachKeysFlag } from '../terminal.js';
import Tenkai from './tenkai.js';

export default class Start extends ProgramCommand {
  static override summary = 'Start a container detached: print its id and return once its command runs.';
  static override description = `Takes every flag of tenkai. The container runs under ryouiki-monitor, a small supervisor that writes its stdout and stderr to the container log (see ryouiki logs), records how it ended, and cleans up; no ryouiki process stays behind. Find it again by its id, any unique prefix of 4 or more digits, or its name.`;

  static override examples = [
    '<%= config.bin %> start --name web -p 127.0.0.1:8080:80 --path ./rootfs httpd -f -p 80',
    '<%= config.bin %> start --path ./rootfs --env ./env.txt --command \'while :; do date; sleep 1; done\'',
    '<%= config.bin %> start --bundle ./mycontainer',
    '<%= config.bin %> start --name web alpine httpd -f -p 8080',
  ];

  static override strict = false;

  static override flags = {
    ...Tenkai.flags,
    network: Flags.string({
      description: 'slirp4netns[:allow_host_loopback=true,mtu=N] (a private network through slirp4netns, which ends with the container), pasta (the same through pasta), none (only lo) or host (the host\'s network)',
      default: 'slirp4netns',
    }),
    'log-max-size': Flags.string({ description: 'rotate the container log past this size, keeping one previous file', default: '10m' }),
    rm: Flags.boolean({ description: 'remove the container and its log once it has ended' }),
    'detach-keys': detachKeysFlag,
  };

  /** The image comes first, unless --path, --bundle or --image gives the container. */
  static leadingPositionals = imagePositionals;

  override async run(): Promise<void> {
    const { flags, argv, raw, program } = await this.parseProgram(Start);
    const [image] = argv as string[];
    process.stdout.write(`${await launchDetached(flags, await planLaunch(flags, program, raw, image), 'start')}\n`);
  }
}
