import { readFileSync } from 'node:fs';
import { isRyouikiError, ociDelete, ociKill, ociList, ociPause, ociProcesses, ociStart, ociState, OCI_VERSION } from '@ryouiki/core/oci-lifecycle';
import { booleanFlag, listFlag, parseArgs, stringFlag, UsageError, type FlagSpecs, type Parsed } from './args.js';
import { RuntimeLog, type LogFormat } from './log.js';

const VERSION = '0.1.0';
const EXIT_RUNTIME_ERROR = 125;

const GLOBAL_FLAGS: FlagSpecs = {
  root: { value: true },
  log: { value: true },
  'log-format': { value: true },
  'log-level': { value: true },
  debug: {},
  'systemd-cgroup': {},
  rootless: { value: true },
  'ignore-unsupported': {},
  version: { short: 'v' },
  help: { short: 'h' },
};

const CREATE_FLAGS: FlagSpecs = {
  bundle: { value: true, short: 'b' },
  'pid-file': { value: true },
  'console-socket': { value: true },
  'no-pivot': {},
  'no-new-keyring': {},
  'preserve-fds': { value: true },
};

export type ContainerCommands = typeof import('./container-commands.js');

/** Loads the commands that make containers, apart from the rest (bin/runtime.cjs gives their bundle). */
export type ContainerCommandsLoader = () => ContainerCommands | Promise<ContainerCommands>;

interface Context {
  root?: string;
  containers: () => Promise<ContainerCommands>;
  log: RuntimeLog;
  ignoreUnsupported: boolean;
  systemdCgroup: boolean;
}

interface Command {
  flags: FlagSpecs;
  usage: string;
  /** exec: the program's own flags after the id are not ours. */
  stopAfter?: number;
  run(parsed: Parsed, context: Context): Promise<number>;
}

function onlyId(parsed: Parsed, usage: string): string {
  if (parsed.positionals.length !== 1) throw new UsageError(`give exactly one container id: ${usage}`);
  return parsed.positionals[0]!;
}

function refusePreservedFds(parsed: Parsed): void {
  const count = stringFlag(parsed, 'preserve-fds');
  if (count !== undefined && count !== '0') throw new UsageError(`--preserve-fds ${count}: passing extra file descriptors is not supported`);
}

function createOptions(parsed: Parsed, context: Context) {
  refusePreservedFds(parsed);
  return {
    root: context.root,
    bundle: stringFlag(parsed, 'bundle') ?? '.',
    pidFile: stringFlag(parsed, 'pid-file'),
    consoleSocket: stringFlag(parsed, 'console-socket'),
    ignoreUnsupported: context.ignoreUnsupported,
    systemdCgroup: context.systemdCgroup,
    onWarning: (message: string) => context.log.warn(message),
  };
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const COMMANDS: Record<string, Command> = {
  create: {
    flags: CREATE_FLAGS,
    usage: 'create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID',
    async run(parsed, context) {
      const { ociCreate } = await context.containers();
      await ociCreate(onlyId(parsed, this.usage), createOptions(parsed, context));
      return 0;
    },
  },
  run: {
    flags: { ...CREATE_FLAGS, detach: { short: 'd' } },
    usage: 'run [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] ID',
    async run(parsed, context) {
      const id = onlyId(parsed, this.usage);
      const options = createOptions(parsed, context);
      const { ociCreate, ociRun } = await context.containers();
      if (!booleanFlag(parsed, 'detach')) return ociRun(id, options);
      await ociCreate(id, options);
      await ociStart(id, options);
      return 0;
    },
  },
  start: {
    flags: {},
    usage: 'start ID',
    async run(parsed, context) {
      await ociStart(onlyId(parsed, this.usage), { root: context.root, onWarning: (message) => context.log.warn(message) });
      return 0;
    },
  },
  state: {
    flags: {},
    usage: 'state ID',
    async run(parsed, context) {
      printJson(ociState(onlyId(parsed, this.usage), { root: context.root }));
      return 0;
    },
  },
  kill: {
    flags: { all: { short: 'a' } },
    usage: 'kill [--all] ID [SIGNAL]',
    async run(parsed, context) {
      const [id, signal = 'TERM', ...rest] = parsed.positionals;
      if (id === undefined || rest.length > 0) throw new UsageError(`give a container id and at most one signal: ${this.usage}`);
      await ociKill(id, signal, booleanFlag(parsed, 'all'), { root: context.root });
      return 0;
    },
  },
  delete: {
    flags: { force: { short: 'f' } },
    usage: 'delete [--force] ID',
    async run(parsed, context) {
      await ociDelete(onlyId(parsed, this.usage), booleanFlag(parsed, 'force'), { root: context.root, onWarning: (message) => context.log.warn(message) });
      return 0;
    },
  },
  exec: {
    flags: {
      process: { value: true, short: 'p' },
      detach: { short: 'd' },
      'pid-file': { value: true },
      tty: { short: 't' },
      'console-socket': { value: true },
      cwd: { value: true },
      env: { value: true, many: true, short: 'e' },
      user: { value: true, short: 'u' },
      'preserve-fds': { value: true },
      'no-new-privs': {},
    },
    usage: 'exec [--process FILE] [--detach] [--pid-file FILE] [--tty --console-socket SOCKET] [--cwd DIR] [--env KEY=VALUE] ID [PROGRAM ARGS...]',
    stopAfter: 1,
    async run(parsed, context) {
      refusePreservedFds(parsed);
      const [id, ...args] = parsed.positionals;
      if (id === undefined) throw new UsageError(`give a container id: ${this.usage}`);
      const { ociExec } = await context.containers();
      return ociExec(id, {
        root: context.root,
        processFile: stringFlag(parsed, 'process'),
        args,
        env: listFlag(parsed, 'env'),
        cwd: stringFlag(parsed, 'cwd'),
        user: stringFlag(parsed, 'user'),
        tty: booleanFlag(parsed, 'tty'),
        consoleSocket: stringFlag(parsed, 'console-socket'),
        detach: booleanFlag(parsed, 'detach'),
        pidFile: stringFlag(parsed, 'pid-file'),
      });
    },
  },
  ps: {
    flags: { format: { value: true, short: 'f' } },
    usage: 'ps [--format table|json] ID',
    async run(parsed, context) {
      const pids = ociProcesses(onlyId(parsed, this.usage), { root: context.root });
      const format = stringFlag(parsed, 'format') ?? 'table';
      if (format === 'json') printJson(pids);
      else if (format === 'table') process.stdout.write(`PID\n${pids.map((pid) => `${pid}\n`).join('')}`);
      else throw new UsageError(`--format ${format}: use table or json`);
      return 0;
    },
  },
  list: {
    flags: { format: { value: true, short: 'f' }, quiet: { short: 'q' } },
    usage: 'list [--format table|json] [--quiet]',
    async run(parsed, context) {
      const containers = ociList({ root: context.root });
      const format = stringFlag(parsed, 'format') ?? 'table';
      if (booleanFlag(parsed, 'quiet')) process.stdout.write(containers.map((container) => `${container.id}\n`).join(''));
      else if (format === 'json') printJson(containers);
      else if (format === 'table') {
        const rows = containers.map((container) => [container.id, String(container.pid ?? 0), container.status, container.bundle, container.created]);
        process.stdout.write(table([['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], ...rows]));
      } else throw new UsageError(`--format ${format}: use table or json`);
      return 0;
    },
  },
  pause: {
    flags: {},
    usage: 'pause ID',
    async run(parsed, context) {
      ociPause(onlyId(parsed, this.usage), true, { root: context.root });
      return 0;
    },
  },
  resume: {
    flags: {},
    usage: 'resume ID',
    async run(parsed, context) {
      ociPause(onlyId(parsed, this.usage), false, { root: context.root });
      return 0;
    },
  },
  update: {
    flags: { resources: { value: true, short: 'r' } },
    usage: 'update --resources FILE|- ID',
    async run(parsed, context) {
      const id = onlyId(parsed, this.usage);
      const file = stringFlag(parsed, 'resources');
      if (file === undefined) throw new UsageError(`give the limits as the runtime-spec's LinuxResources JSON: ${this.usage}`);
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        throw new UsageError(`--resources ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const { ociUpdate } = await context.containers();
      for (const warning of ociUpdate(id, text, { root: context.root })) context.log.warn(warning);
      return 0;
    },
  },
  features: {
    flags: {},
    usage: 'features',
    async run(_parsed, context) {
      const { ociFeatures } = await context.containers();
      printJson(ociFeatures());
      return 0;
    },
  },
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => `${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 2))).join('')}\n`).join('');
}

function help(): string {
  return [
    'ryouiki-runtime: an OCI runtime (the command line of runc and crun) for rootless Ryouiki containers',
    '',
    'usage: ryouiki-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [FLAGS] ARGS',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage}`),
    '',
  ].join('\n');
}

function logFormat(value: string | undefined): LogFormat {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError(`--log-format ${value}: use text or json`);
}

function checkRootless(value: string | undefined): void {
  if (value !== undefined && !['true', 'false', 'auto'].includes(value)) throw new UsageError(`--rootless ${value}: use true, false or auto`);
}

/**
 * Runs one ryouiki-runtime command line; resolves with the exit code. The
 * commands podman and containerd run on every container (state, start, kill,
 * delete) need only @ryouiki/core/oci-lifecycle; create and the other
 * commands that make containers load the rest through loadContainerCommands.
 */
export async function main(argv: string[], loadContainerCommands: ContainerCommandsLoader): Promise<number> {
  let log = new RuntimeLog(undefined, 'text', false);
  let containers: ContainerCommands | undefined;
  const loadContainers = async (): Promise<ContainerCommands> => (containers ??= await loadContainerCommands());
  try {
    const global = parseArgs(argv, GLOBAL_FLAGS, 1);
    log = new RuntimeLog(stringFlag(global, 'log'), logFormat(stringFlag(global, 'log-format')), booleanFlag(global, 'debug') || stringFlag(global, 'log-level') === 'debug');
    checkRootless(stringFlag(global, 'rootless'));
    if (booleanFlag(global, 'version')) {
      process.stdout.write(`ryouiki-runtime version ${VERSION}\nspec: ${OCI_VERSION}\n`);
      return 0;
    }
    const [name, ...rest] = global.positionals;
    if (booleanFlag(global, 'help') || name === 'help') {
      process.stdout.write(help());
      return 0;
    }
    if (name === undefined) throw new UsageError('name a command: see ryouiki-runtime --help');
    const command = COMMANDS[name];
    if (command === undefined) throw new UsageError(`unknown command ${name}: see ryouiki-runtime --help`);
    log.trace(`${name} ${rest.join(' ')}`);
    const parsed = parseArgs(rest, command.flags, command.stopAfter);
    return await command.run(parsed, {
      root: stringFlag(global, 'root'),
      containers: loadContainers,
      log,
      ignoreUnsupported: booleanFlag(global, 'ignore-unsupported'),
      systemdCgroup: booleanFlag(global, 'systemd-cgroup'),
    });
  } catch (error) {
    return report(error, log, containers);
  }
}

function report(error: unknown, log: RuntimeLog, containers: ContainerCommands | undefined): number {
  if (error instanceof UsageError) {
    log.error(error.message);
    return EXIT_RUNTIME_ERROR;
  }
  if (isRyouikiError(error) || containers?.isRyouikiError(error) === true) {
    log.error(error.message);
    return error.exitCode;
  }
  log.error(`internal error: ${String((error as Error)?.message ?? error)}${log.debug ? `\n${(error as Error)?.stack ?? ''}` : ' (run with --debug for details)'}`);
  return EXIT_RUNTIME_ERROR;
}
