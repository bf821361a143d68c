import type { ContainerStats } from '@ryouiki/core/internal';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)}${UNITS[unit]}`;
}

function row(entry: ContainerStats): string[] {
  const { memory, pids, cpu } = entry.stats;
  const limit = memory?.limitBytes === undefined ? '' : ` / ${formatBytes(memory.limitBytes)}`;
  return [
    entry.id,
    memory === undefined ? '-' : `${formatBytes(memory.currentBytes)}${limit}`,
    formatBytes(memory?.peakBytes),
    pids === undefined ? '-' : `${pids.current}${pids.limit === undefined ? '' : ` / ${pids.limit}`}`,
    cpu === undefined ? '-' : `${(cpu.usageUsec / 1e6).toFixed(2)}s`,
    memory === undefined ? '-' : String(memory.oomKills),
  ];
}

/** A table, one container a line, columns padded to their widest cell. */
export function formatStatsTable(entries: ContainerStats[]): string {
  const rows = [['ID', 'MEM USAGE / LIMIT', 'MEM PEAK', 'PIDS', 'CPU TIME', 'OOM KILLS'], ...entries.map(row)];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length))) ?? [];
  return rows.map((cells) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')).join('\n') + '\n';
}
