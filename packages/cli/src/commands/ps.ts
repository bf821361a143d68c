import { Command, Flags } from '@oclif/core';
import { listContainers, RyouikiError, shortId } from '@ryouiki/core/internal';
import { formatRows, PS_FIELDS, psRow, psTable } from '../container-view.js';
import { storeFlags } from '../flags.js';

export default class Ps extends Command {
  static override summary = 'List detached containers: the running ones, or all with -a.';
  static override description = `Columns: CONTAINER ID, IMAGE (the root filesystem folder), COMMAND, CREATED (how long ago), STATUS, PORTS (published, HOST_IP:HOST_PORT->PORT/PROTO), NAMES, PID (of the container's init, as the host sees it). --json prints the same fields as a JSON array; the full state of a container is in ryouiki inspect.

--format takes a Go template of these fields, as podman ps: ${PS_FIELDS.map((field) => `{{.${field}}}`).join(' ')}; \\t and \\n are a tab and a newline; "table ..." adds a header and aligns the tab-separated columns; "json" is --json. .ID is the short id unless --no-trunc.`;

  static override examples = ["<%= config.bin %> ps -a --format '{{.ID}} {{.Names}} {{.Status}}'"];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'list stopped and created containers too' }),
    quiet: Flags.boolean({ char: 'q', description: 'print only the ids, one a line', exclusive: ['format', 'json'] }),
    format: Flags.string({ description: 'print each container through a Go template of its fields (see above), or json', exclusive: ['json'] }),
    json: Flags.boolean({ description: "print the table's fields as a JSON array" }),
    'no-trunc': Flags.boolean({ description: 'full ids instead of their first 12 digits' }),
    ...storeFlags,
  };

  override async run(): Promise<void> {
    const { flags } = await this.parse(Ps);
    const states = (await listContainers({ root: flags.root })).filter((state) => flags.all || state.status === 'running');
    const now = new Date();
    const rows = states.map((state) => psRow(state, now));
    if (flags.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    const shown = rows.map((row) => ({ ...row, ID: flags['no-trunc'] ? row.ID : shortId(row.ID) }));
    if (flags.quiet) return void process.stdout.write(shown.map((row) => `${row.ID}\n`).join(''));
    if (flags.format !== undefined) {
      if (flags.format.trim() === '') throw new RyouikiError('USAGE', "--format is empty: give a template such as '{{.ID}} {{.Names}}'");
      return void process.stdout.write(flags.format.trim() === 'json' ? formatRows('json', rows) : formatRows(flags.format, shown));
    }
    process.stdout.write(psTable(rows));
  }
}
