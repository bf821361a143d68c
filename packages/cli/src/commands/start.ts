import { fileURLToPath } from 'node:url';
import { Command, Flags } from '@oclif/core';
import { detachedNetwork, RyouikiError, start } from '@ryouiki/core';
import { cgroupOptions } from '../cgroup-flags.js';
import { planFromBundleFlags } from '../bundle-flags.js';
import { planFromFlags } from '../plan-from-flags.js';
import { imageFromFlags } from '../image-flags.js';
import { parseSize } from '../units.js';
import { detachKeysFlag } from '../terminal.js';
import Tenkai from './tenkai.js';

/** The CLI entry the supervisor runs once a container has ended: `ryouiki cleanup`. */
// The supervisor records the end by running this very CLI again: the script node is running now.
const CLEANUP_COMMAND = [process.execPath, process.argv[1] ?? fileURLToPath(new URL('../bin/run.js', import.meta.url)), 'cleanup'];

export default class Start extends Command {
  static override summary = 'Start a container detached: print its id and return once its command runs.';
  static override description = `Takes every flag of tenkai. The container runs under ryouiki-monitor, a small supervisor that writes its stdout and stderr to the container log (see ryouiki logs), records how it ended, and cleans up; no ryouiki process stays behind. Find it again by its id, any unique prefix of 4 or more digits, or its name.`;

  static override examples = [
    '<%= config.bin %> start --path ./rootfs --env ./env.txt --command \'while :; do date; sleep 1; done\'',
    '<%= config.bin %> start --name web --path ./rootfs -- /bin/httpd -f -p 8080',
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
    name: Flags.string({ description: 'a unique name for the container (default: its short id)' }),
    'log-max-size': Flags.string({ description: 'rotate the container log past this size, keeping one previous file', default: '10m' }),
    rm: Flags.boolean({ description: 'remove the container and its log once it has ended' }),
    'detach-keys': detachKeysFlag,
  };

  override async run(): Promise<void> {
    const { flags, argv, raw } = await this.parse(Start);
    if (flags['console-socket'] !== undefined) {
      throw new RyouikiError('USAGE', 'ryouiki start does not take --console-socket: its supervisor holds the terminal; connect to it with ryouiki attach');
    }
    const logMaxSize = parseSize(flags['log-max-size'], '--log-max-size');
    const image = flags.bundle === undefined ? await imageFromFlags(flags, argv as string[]) : undefined;
    const bundled = await planFromBundleFlags(flags, argv, raw, image?.image !== undefined);
    const plan = bundled?.plan ?? planFromFlags({ ...flags, path: flags.path as string }, argv, image);
    for (const warning of bundled?.plan.warnings ?? []) process.stderr.write(`ryouiki: warning: ${warning}\n`);
    const result = await start(plan.spec, {
      id: plan.id,
      name: flags.name,
      commandLabel: plan.commandLabel,
      root: flags.root,
      logMaxSize,
      autoRemove: flags.rm,
      exitCommand: CLEANUP_COMMAND,
      cgroups: cgroupOptions(flags),
      interactive: flags.interactive,
      detachKeys: flags['detach-keys'],
    }, [detachedNetwork(plan, { root: flags.root }), ...(bundled?.resources ?? [])]);
    process.stdout.write(`${result.id}\n`);
  }
}
