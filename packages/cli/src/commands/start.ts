import { fileURLToPath } from 'node:url';
import { Command, Flags } from '@oclif/core';
import { prepareDetachedNetwork, RyouikiError, start } from '@ryouiki/core';
import { cgroupOptions } from '../cgroup-flags.js';
import { planFromBundleFlags } from '../bundle-flags.js';
import { planFromFlags } from '../plan-from-flags.js';
import { parseSize } from '../units.js';
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
  ];

  static override strict = false;

  static override flags = {
    ...Tenkai.flags,
    network: Flags.string({
      description: 'slirp4netns[:allow_host_loopback=true,mtu=N] (a private network through slirp4netns, which ends with the container), none (only lo) or host (the host\'s network); pasta is not supported by start yet',
      default: 'slirp4netns',
    }),
    name: Flags.string({ description: 'a unique name for the container (default: its short id)' }),
    'log-max-size': Flags.string({ description: 'rotate the container log past this size, keeping one previous file', default: '10m' }),
    rm: Flags.boolean({ description: 'remove the container and its log once it has ended' }),
  };

  override async run(): Promise<void> {
    const { flags, argv, raw } = await this.parse(Start);
    if (flags.tty || flags.interactive || flags['console-socket'] !== undefined) {
      throw new RyouikiError('USAGE', 'ryouiki start does not take -i, -t or --console-socket yet (there is no attach): run an interactive container with ryouiki tenkai -it');
    }
    const logMaxSize = parseSize(flags['log-max-size'], '--log-max-size');
    const bundled = await planFromBundleFlags(flags, argv, raw);
    const plan = bundled?.plan ?? planFromFlags({ ...flags, path: flags.path as string }, argv);
    if (plan.spec.process.terminal === true) {
      throw new RyouikiError('USAGE', 'the bundle asks for a terminal (process.terminal in config.json), which ryouiki start cannot give yet (there is no attach): set it to false, or run it with ryouiki tenkai --bundle');
    }
    for (const warning of bundled?.plan.warnings ?? []) process.stderr.write(`ryouiki: warning: ${warning}\n`);
    const network = await prepareDetachedNetwork(plan, { root: flags.root });
    const result = await start(network.spec, {
      id: plan.id,
      name: flags.name,
      commandLabel: plan.commandLabel,
      root: flags.root,
      logMaxSize,
      autoRemove: flags.rm,
      exitCommand: CLEANUP_COMMAND,
      cgroups: cgroupOptions(flags),
    }, [network.resource, ...(bundled?.resources ?? [])]).catch(async (error: unknown) => {
      await network.discard();
      throw error;
    });
    process.stdout.write(`${result.id}\n`);
  }
}
