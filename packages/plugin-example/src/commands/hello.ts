import { Command, Flags } from '@oclif/core';
import { planContainer, run } from '@ryouiki/core';

/** A third-party command: everything it does goes through @ryouiki/core's public API. */
export default class Hello extends Command {
  static override summary = 'Greet from inside a rootless container.';
  static override examples = ['<%= config.bin %> hello --path ./rootfs --name Yuji'];

  static override flags = {
    path: Flags.string({ description: 'root filesystem folder of the container', required: true }),
    name: Flags.string({ description: 'who to greet', default: 'world' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Hello);
    const { id, spec } = planContainer({ path: flags.path, args: ['/bin/sh', '-c', 'echo "hello, $1, from $(hostname)"', 'sh', flags.name] });
    const result = await run(spec, { id, input: '' });
    process.stdout.write(result.stdout);
    process.exitCode = result.exitCode;
  }
}
