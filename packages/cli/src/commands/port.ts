import { Args, Command } from '@oclif/core';
import { inspectContainer, RyouikiError } from '@ryouiki/core/internal';
import { publishedPorts } from '../container-view.js';
import { storeFlags } from '../flags.js';

export default class Port extends Command {
  static override summary = 'List the ports a container publishes, or where one of its ports is published.';
  static override description = 'As podman port: each line is CONTAINER_PORT/PROTOCOL -> HOST_IP:HOST_PORT; given PORT[/PROTOCOL], only the host addresses it is published on.';
  static override examples = ['<%= config.bin %> port web 80/tcp'];
  static override args = {
    container: Args.string({ description: 'id, unique id prefix (4 or more digits) or name', required: true }),
    port: Args.string({ description: 'PORT[/tcp|/udp]: print only where this container port is published' }),
  };
  static override flags = { ...storeFlags };

  override async run(): Promise<void> {
    const { args, flags } = await this.parse(Port);
    const ports = publishedPorts(await inspectContainer(args.container, { root: flags.root }));
    if (args.port === undefined) {
      process.stdout.write(ports.map((port) => `${port.containerPort}/${port.protocol} -> ${port.hostIp}:${port.hostPort}\n`).join(''));
      return;
    }
    const [number, protocol = 'tcp'] = args.port.split('/');
    const matching = ports.filter((port) => String(port.containerPort) === number && port.protocol === protocol);
    if (matching.length === 0) throw new RyouikiError('USAGE', `${args.container} does not publish port ${number}/${protocol}: see ryouiki port ${args.container}`);
    process.stdout.write(matching.map((port) => `${port.hostIp}:${port.hostPort}\n`).join(''));
  }
}
