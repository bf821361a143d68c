import { Flags } from '@oclif/core';
import { images, type ImageSummary } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';
import { storeFlags } from '../flags.js';
import { formatBytes } from '../stats-table.js';

function created(text: string | undefined): string {
  return text === undefined ? '' : text.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC');
}

export default class Images extends JsonCommand {
  static override summary = 'List the images in the store.';
  static override examples = ['<%= config.bin %> images', '<%= config.bin %> images --quiet'];
  static override aliases = ['image:ls', 'image:list'];
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only the image ids' }),
    ...storeFlags,
  };

  override async run(): Promise<ImageSummary[]> {
    const { flags } = await this.parse(Images);
    const rows = images({ root: flags.root });
    if (this.jsonEnabled()) return rows;
    if (flags.quiet) {
      for (const id of new Set(rows.map((row) => row.id))) process.stdout.write(`${id}\n`);
      return rows;
    }
    const table = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...rows.map((row) => [row.repository, row.tag, row.id, created(row.created), formatBytes(row.size)])];
    const widths = table[0]?.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length))) ?? [];
    for (const line of table)
      process.stdout.write(
        `${line
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
    return rows;
  }
}
