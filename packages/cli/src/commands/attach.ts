import { Args, Command } from '@oclif/core';
import { attachContainer } from '@ryouiki/core/internal';
import { storeFlags } from '../flags.js';
import { detachKeysFlag } from '../terminal.js';

export default class Attach extends Command {
  static override summary = 'Connect this terminal to a running container started with -t.';
  static override description =
    "What the container's terminal shows appears here; with start -i, what you type goes to it (this terminal in raw mode meanwhile, restored after). The window size follows this terminal. Type the detach keys (default ctrl-p,ctrl-q) to leave the container running; when it ends, attach exits with its exit code.";
  static override examples = ['<%= config.bin %> attach web', '<%= config.bin %> attach --detach-keys ctrl-a,d 3f2a'];
  static override args = { container: Args.string({ description: 'id, unique id prefix (4 or more digits) or name', required: true }) };
  static override flags = { 'detach-keys': detachKeysFlag, ...storeFlags };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Attach);
    const result = await attachContainer(args.container, { root: flags.root, detachKeys: flags['detach-keys'] });
    if (result.detached) {
      process.stderr.write(`ryouiki: detached from ${args.container}, which runs on: ryouiki attach ${args.container}\n`);
      process.exitCode = 0;
    } else {
      process.exitCode = result.exitCode;
    }
  }
}
