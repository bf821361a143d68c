import { Command, Help } from '@oclif/core';
import { COMMAND_GROUPS } from './command-groups.js';

/** oclif's help, with the root command list in podman's groups. */
export class RyouikiHelp extends Help {
  protected override formatCommands(commands: Command.Loadable[]): string {
    const byId = new Map(commands.map((command) => [command.id.split(':')[0] as string, command]));
    const listed = new Set<string>();
    const sections: string[] = [];
    for (const group of [...COMMAND_GROUPS, { title: 'Other', commands: [...byId.keys()] }]) {
      const members = group.commands.filter((id) => byId.has(id) && !listed.has(id));
      members.forEach((id) => listed.add(id));
      if (members.length === 0) continue;
      const body = super.formatCommands(members.map((id) => byId.get(id) as Command.Loadable));
      sections.push(body.replace('COMMANDS', `${group.title.toUpperCase()} COMMANDS`));
    }
    return sections.join('\n\n');
  }
}
