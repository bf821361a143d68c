import { Command, Flags } from '@oclif/core';
import { prepareNetwork, run, warnOnceOnStderr } from '@ryouiki/core';
import { cgroupFlags, cgroupOptions } from '../cgroup-flags.js';
import { isolationFlags } from '../isolation-flags.js';
import { storeFlags } from '../flags.js';
import { bundleFlags, planFromBundleFlags } from '../bundle-flags.js';
import { planFromFlags } from '../plan-from-flags.js';
import { imageFromFlags, imageFlags } from '../image-flags.js';
import { terminalFlags, terminalOptions, warnWithoutHostTerminal } from '../terminal.js';

function warnEach(message: string): void {
  process.stderr.write(`ryouiki: warning: ${message}\n`);
}

export default class Tenkai extends Command {
  static override summary = 'Run a command in a rootless container, in the foreground.';
  static override description = `The command runs as uid 0 of a new user namespace, as PID 1's only child in a new PID namespace, with the given folder as its root filesystem and exactly the environment of the env file. ryouiki exits with the command's exit code (125 when the runtime fails, 126 when the command cannot be executed, 127 when it is not found).

Give the command either as --command STRING (run by the rootfs's /bin/sh -c, as in the seed) or after -- as PROGRAM ARGS (executed directly).`;

  static override examples = [
    '<%= config.bin %> tenkai --path ./rootfs --env ./env.txt --command \'id; hostname; ps\'',
    '<%= config.bin %> tenkai --path ./rootfs -- /bin/echo hello',
    '<%= config.bin %> tenkai -it --path ./rootfs -- /bin/sh',
    '<%= config.bin %> tenkai --bundle ./mycontainer',
    '<%= config.bin %> tenkai --image alpine -- cat /etc/os-release',
  ];

  static override strict = false;

  static override flags = {
    path: Flags.string({ description: 'root filesystem folder of the container (or --bundle)' }),
    env: Flags.string({ description: 'env file of KEY=VALUE lines: the container\'s whole environment' }),
    command: Flags.string({ description: 'command string, run as /bin/sh -c STRING inside the container' }),
    hostname: Flags.string({ description: 'hostname inside the container (default: the container\'s short id)' }),
    network: Flags.string({
      description: 'slirp4netns[:allow_host_loopback=true,mtu=N] (a private network through slirp4netns), pasta, none (only lo) or host (the host\'s network)',
      default: 'slirp4netns',
    }),
    publish: Flags.string({ char: 'p', description: 'publish a container port on the host: [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]', multiple: true }),
    dns: Flags.string({ description: 'nameserver for the container\'s /etc/resolv.conf (repeatable)', multiple: true }),
    'add-host': Flags.string({ description: 'NAME:IP line for the container\'s /etc/hosts (repeatable)', multiple: true }),
    workdir: Flags.string({ char: 'w', description: 'working directory inside the container (default: the image\'s WorkingDir, else /)' }),
    rm: Flags.boolean({ description: 'as podman run --rm: a foreground container is always removed when it ends, so this changes nothing' }),
    ...isolationFlags,
    ...cgroupFlags,
    ...terminalFlags,
    ...bundleFlags,
    ...imageFlags,
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv, raw } = await this.parse(Tenkai);
    const image = flags.bundle === undefined ? await imageFromFlags(flags, argv as string[]) : undefined;
    const bundled = await planFromBundleFlags(flags, argv, raw, image?.image !== undefined);
    const plan = bundled?.plan ?? planFromFlags({ ...flags, path: flags.path as string }, argv, image);
    warnWithoutHostTerminal({ ...flags, tty: plan.spec.process.terminal === true });
    for (const warning of plan.warnings) (bundled === undefined ? warnOnceOnStderr : warnEach)(warning);
    const network = await prepareNetwork(plan, { root: flags.root });
    try {
      const result = await run(
        network.spec,
        { id: plan.id, commandLabel: plan.commandLabel, root: flags.root, stdio: 'inherit', forwardSignals: true, cgroups: cgroupOptions(flags), ...terminalOptions(flags) },
        [network.resource, ...(bundled?.resources ?? [])],
      );
      process.exitCode = result.exitCode;
    } finally {
      await network.discard();
    }
  }
}
