import { Flags } from '@oclif/core';
import { cgroupFlags } from '../cgroup-flags.js';
import { envFlags } from '../env-flags.js';
import { launchInForeground, planLaunch } from '../launch.js';
import { ProgramCommand } from '../program-command.js';
import { isolationFlags } from '../isolation-flags.js';
import { storeFlags } from '../flags.js';
import { bundleFlags } from '../bundle-flags.js';
import { terminalFlags } from '../terminal.js';
import { imageFlags } from '../image-flags.js';

export default class Tenkai extends ProgramCommand {
  static override summary = 'Run a command in a rootless container, in the foreground.';
  static override description = `The command runs as uid 0 of a new user namespace, as PID 1's only child in a new PID namespace, with the given folder as its root filesystem and exactly the environment of the env file. ryouiki exits with the command's exit code (125 when the runtime fails, 126 when the command cannot be executed, 127 when it is not found).

Give the command either as --command STRING (run by the rootfs's /bin/sh -c, as in the seed) or as PROGRAM ARGS (executed directly): everything from the first argument that is not a flag, or after --, is the program's, exactly as given.`;

  static override examples = [
    "<%= config.bin %> tenkai --path ./rootfs --env ./env.txt --command 'id; hostname; ps'",
    '<%= config.bin %> tenkai --path ./rootfs -- /bin/echo hello',
    '<%= config.bin %> tenkai -it --path ./rootfs -- /bin/sh',
    '<%= config.bin %> tenkai --bundle ./mycontainer',
    '<%= config.bin %> tenkai --image alpine -- cat /etc/os-release',
  ];

  static override strict = false;

  static override flags = {
    path: Flags.string({ description: 'root filesystem folder of the container (or --bundle)' }),
    env: Flags.string({ description: "env file of KEY=VALUE lines: the container's whole environment (-e and --env-file are laid over it)" }),
    ...envFlags('env-var'),
    command: Flags.string({ description: 'command string, run as /bin/sh -c STRING inside the container' }),
    hostname: Flags.string({ description: "hostname inside the container (default: the container's short id)" }),
    network: Flags.string({
      description: "slirp4netns[:allow_host_loopback=true,mtu=N] (a private network through slirp4netns), pasta, none (only lo) or host (the host's network)",
      default: 'slirp4netns',
    }),
    publish: Flags.string({ char: 'p', description: 'publish a container port on the host: [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]', multiple: true, multipleNonGreedy: true }),
    dns: Flags.string({ description: "nameserver for the container's /etc/resolv.conf (repeatable)", multiple: true, multipleNonGreedy: true }),
    'add-host': Flags.string({ description: "NAME:IP line for the container's /etc/hosts (repeatable)", multiple: true, multipleNonGreedy: true }),
    workdir: Flags.string({ char: 'w', description: "working directory inside the container (default: the image's WorkingDir, else /)" }),
    rm: Flags.boolean({ description: 'as podman run --rm: a foreground container is always removed when it ends, so this changes nothing' }),
    name: Flags.string({ description: 'a unique name for the container while it runs, for ps, stop, kill, exec and stats (default: its short id)' }),
    ...isolationFlags,
    ...cgroupFlags,
    ...terminalFlags,
    ...bundleFlags,
    ...imageFlags,
    ...storeFlags,
  };

  static leadingPositionals = (): number => 0;

  override async run(): Promise<void> {
    const { flags, raw, program } = await this.parseProgram(Tenkai);
    process.exitCode = await launchInForeground(flags, await planLaunch(flags, program, raw));
  }
}
