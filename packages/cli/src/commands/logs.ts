import { Args, Flags } from '@oclif/core';
import { inspectContainer } from '@ryouiki/core/internal';
import type { LogLine } from '@ryouiki/logs';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { followLog, logLines, printLines } from '../log-printer.js';
import { parseSince } from '../units.js';

export default class Logs extends JsonCommand {
  static override summary = 'Print the log of a detached container.';
  static override description = "The container's stdout goes to stdout, its stderr to stderr, line by line as it wrote them.";
  static override examples = ['<%= config.bin %> logs web', '<%= config.bin %> logs -f --tail 10 3f2a', '<%= config.bin %> logs --json web'];
  static override args = { container: Args.string({ required: true, description: 'id, unique id prefix, or name' }) };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing what the container writes, until it stops', exclusive: ['json'] }),
    tail: Flags.integer({ description: 'print only the last N lines', min: 0 }),
    since: Flags.string({ description: 'print only lines since this time (RFC 3339) or duration back (10m)' }),
    timestamps: Flags.boolean({ char: 't', description: 'start each line with its time' }),
    ...storeFlags,
  };

  override async run(): Promise<LogLine[] | void> {
    const { args, flags } = await this.parse(Logs);
    const since = flags.since === undefined ? undefined : parseSince(flags.since);
    const state = await inspectContainer(args.container, { root: flags.root });
    const options = { root: flags.root, since, tail: flags.tail, timestamps: flags.timestamps };
    if (flags.follow) return followLog(state.id, options);
    const lines = logLines(state.logPath, options);
    if (!this.jsonEnabled()) printLines(lines, options);
    return lines;
  }
}
