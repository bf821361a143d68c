import { Command, Flags } from '@oclif/core';
import { planContainer, run, warnOnceOnStderr } from '@ryouiki/core';
import { isolationFlags } from '../isolation-flags.js';
import { storeFlags } from '../flags.js';

export default class Tenkai extends Command {
  static override summary = 'Run a command in a rootless container, in the foreground.';
  static override description = `The command runs as uid 0 of a new user namespace, as PID 1's only child in a new PID namespace, with the given folder as its root filesystem and exactly the environment of the env file. ryouiki exits with the command's exit code (125 when the runtime fails, 126 when the command cannot be executed, 127 when it is not found).

Give the command either as --command STRING (run by the rootfs's /bin/sh -c, as in the seed) or after -- as PROGRAM ARGS (executed directly).`;

  static override examples = [
    '<%= config.bin %> tenkai --path ./rootfs --env ./env.txt --command \'id; hostname; ps\'',
    '<%= config.bin %> tenkai --path ./rootfs -- /bin/echo hello',
  ];

  static override strict = false;

  static override flags = {
    path: Flags.string({ description: 'root filesystem folder of the container', required: true }),
    env: Flags.string({ description: 'env file of KEY=VALUE lines: the container\'s whole environment' }),
    command: Flags.string({ description: 'command string, run as /bin/sh -c STRING inside the container' }),
    hostname: Flags.string({ description: 'hostname inside the container (default: the container\'s short id)' }),
    network: Flags.string({ description: 'none: a private network namespace with only lo; host: the host\'s network', default: 'none' }),
    workdir: Flags.string({ char: 'w', description: 'working directory inside the container', default: '/' }),
    ...isolationFlags,
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags, argv } = await this.parse(Tenkai);
    const plan = planContainer({
      path: flags.path,
      envFile: flags.env,
      command: flags.command,
      args: argv as string[],
      hostname: flags.hostname,
      network: flags.network,
      cwd: flags.workdir,
      user: flags.user,
      userns: flags.userns,
      volumes: flags.volume,
      tmpfs: flags.tmpfs,
      readOnly: flags['read-only'],
      overlay: flags.overlay,
      capAdd: flags['cap-add'],
      capDrop: flags['cap-drop'],
      privileged: flags.privileged,
      seccomp: flags.seccomp,
    });
    for (const warning of plan.warnings) warnOnceOnStderr(warning);
    const result = await run(plan.spec, {
      id: plan.id,
      commandLabel: plan.commandLabel,
      root: flags.root,
      stdio: 'inherit',
      forwardSignals: true,
    });
    process.exitCode = result.exitCode;
  }
}
