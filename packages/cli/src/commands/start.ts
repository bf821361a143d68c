import { Flags } from '@oclif/core';
import { findContainerId, inspectContainer, isRyouikiError, restartContainer, RyouikiError, storeDirs } from '@ryouiki/core/internal';
import { forEachContainer } from '../each-container.js';
import { CLEANUP_COMMAND, launchDetached, planLaunch } from '../launch.js';
import { ProgramCommand } from '../program-command.js';
import { imagePositionals } from '../image-flags.js';
import { detachKeysFlag } from '../terminal.js';
import Tenkai from './tenkai.js';

/** Whether QUERY names a container of the store (an ambiguous prefix does: its error says more than --path's). */
function isContainer(query: string, root: string | undefined): boolean {
  try {
    findContainerId(storeDirs({ root }), query);
    return true;
  } catch (error) {
    return !isRyouikiError(error) || error.code !== 'CONTAINER_NOT_FOUND';
  }
}

/** As podman start CONTAINER...: a stopped container is started again as it was (see restart), a running one left as it is. */
async function startExisting(queries: string[], raw: Array<{ type: string; flag?: string }>, root: string | undefined): Promise<void> {
  const given = raw.filter((token) => token.type === 'flag' && token.flag !== 'root').map((token) => `--${token.flag}`);
  if (given.length > 0) {
    throw new RyouikiError(
      'USAGE',
      `ryouiki start CONTAINER... takes no flags but --root (got ${given.join(', ')}): it starts a container as it was created; to change it, remove it and start a new one`,
    );
  }
  await forEachContainer(queries, async (query) => {
    if ((await inspectContainer(query, { root })).status !== 'running') await restartContainer(query, 0, { root, exitCommand: CLEANUP_COMMAND });
    process.stdout.write(`${query}\n`);
  });
}

export default class Start extends ProgramCommand {
  static override summary = 'Start a container detached: print its id and return once its command runs.';
  static override description = `Takes every flag of tenkai. The container runs under ryouiki-monitor, a small supervisor that writes its stdout and stderr to the container log (see ryouiki logs), records how it ended, and cleans up; no ryouiki process stays behind. Find it again by its id, any unique prefix of 4 or more digits, or its name. Without --path or --bundle, as podman start: ryouiki start CONTAINER... starts stopped containers again as they were created (see ryouiki restart), and leaves running ones as they are.`;

  static override examples = [
    '<%= config.bin %> start --name web -p 127.0.0.1:8080:80 --path ./rootfs httpd -f -p 80',
    "<%= config.bin %> start --path ./rootfs --env ./env.txt --command 'while :; do date; sleep 1; done'",
    '<%= config.bin %> start --bundle ./mycontainer',
    '<%= config.bin %> start --name web alpine httpd -f -p 8080',
    '<%= config.bin %> start web',
  ];

  static override strict = false;

  static override flags = {
    ...Tenkai.flags,
    network: Flags.string({
      description:
        "slirp4netns[:allow_host_loopback=true,mtu=N] (a private network through slirp4netns, which ends with the container), pasta (the same through pasta), none (only lo) or host (the host's network)",
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
    // As podman start CONTAINER...: a container's name wins over an image of the same name.
    if (flags.path === undefined && flags.bundle === undefined && flags.image === undefined && image !== undefined && isContainer(image, flags.root)) {
      await startExisting([image, ...program], raw, flags.root);
      return;
    }
    process.stdout.write(`${await launchDetached(flags, await planLaunch(flags, program, raw, image), 'start')}
`);
  }
}
