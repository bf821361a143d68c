/**
 * The groups of `ryouiki --help`, as podman's: a command is listed under the
 * first group naming it, and commands no group names (a plugin's) under
 * "Other". The image commands are listed once they exist.
 */
export const COMMAND_GROUPS: Array<{ title: string; commands: string[] }> = [
  {
    title: 'Containers',
    commands: ['run', 'tenkai', 'start', 'exec', 'attach', 'ps', 'logs', 'inspect', 'top', 'port', 'stats', 'cp', 'stop', 'restart', 'kill', 'wait', 'rm'],
  },
  { title: 'Images', commands: ['images', 'image', 'pull', 'push', 'load', 'save', 'import', 'commit', 'tag', 'rmi', 'build'] },
  { title: 'System', commands: ['spec', 'version', 'info', 'completion', 'autocomplete', 'plugins', 'help'] },
];
