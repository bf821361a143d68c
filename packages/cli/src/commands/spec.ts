import { Command, Flags } from '@oclif/core';
import { writeDefaultOciConfig } from '@ryouiki/core/internal';

export default class Spec extends Command {
  static override summary = 'Write a default OCI config.json, as runc spec does.';
  static override description = `The config runs sh on a terminal in ./rootfs (read-only), with runc's capabilities and mounts, in new user, mount, PID, UTS, IPC and network namespaces. Edit it, put a root filesystem in rootfs/, and run it with ryouiki tenkai --bundle DIR. An existing config.json is never overwritten.

With --rootless the id maps map only your own uid and gid, as runc spec --rootless writes them; without, the config has none and ryouiki maps your subordinate range (/etc/subuid) when it starts the container, as tenkai does.`;

  static override examples = ['<%= config.bin %> spec', '<%= config.bin %> spec --rootless --bundle ./mycontainer'];

  static override flags = {
    bundle: Flags.string({ char: 'b', description: 'folder to write config.json into', default: '.' }),
    rootless: Flags.boolean({ description: 'write the id maps of your own uid and gid only, as runc spec --rootless' }),
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Spec);
    writeDefaultOciConfig(flags.bundle, { rootless: flags.rootless });
  }
}
