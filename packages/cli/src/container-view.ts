import { type ContainerState, RyouikiError, shortId } from '@ryouiki/core/internal';

/** How ps shows a status: `running`, `running (network lost)`, `created`, `stopped (exit 0)`, `stopped (exit unknown)`. */
export function statusText(state: ContainerState): string {
  if (state.status === 'running' && state.networkLostAt !== undefined) return 'running (network lost)';
  if (state.status !== 'stopped') return state.status;
  return `stopped (exit ${state.exitCode === null || state.exitCode === undefined ? 'unknown' : state.exitCode})`;
}

const MAX_COMMAND = 40;

function shorten(text: string): string {
  return text.length > MAX_COMMAND ? `${text.slice(0, MAX_COMMAND - 3)}...` : text;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** A duration as podman (Go's units.HumanDuration) words it: `2 minutes`, `About an hour`, `3 days`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.round(seconds / 3600);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return plural(seconds, 'second');
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return plural(minutes, 'minute');
  if (hours === 1) return 'About an hour';
  if (hours < 48) return plural(hours, 'hour');
  if (hours < 24 * 7 * 2) return plural(Math.floor(hours / 24), 'day');
  if (hours < 24 * 30 * 2) return plural(Math.floor(hours / 24 / 7), 'week');
  if (hours < 24 * 365 * 2) return plural(Math.floor(hours / 24 / 30), 'month');
  return plural(Math.floor(hours / 24 / 365), 'year');
}

/** A published port as podman lists it: `127.0.0.1:8080->80/tcp`. */
interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: string;
}

/** The ports a detached container publishes, from its network's record. */
export function publishedPorts(state: ContainerState): PublishedPort[] {
  const network = state.resources.find((record) => record.kind === 'network');
  return Array.isArray(network?.publish) ? (network.publish as PublishedPort[]) : [];
}

export function portText(port: PublishedPort): string {
  return `${port.hostIp}:${port.hostPort}->${port.containerPort}/${port.protocol}`;
}

/** One container as ps shows it: the fields of the table, of --json and of --format, named as podman's. */
export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Status: string;
  State: string;
  Ports: string;
  Names: string;
  Pid: number | null;
}

export const PS_FIELDS = ['ID', 'Image', 'Command', 'CreatedAt', 'RunningFor', 'Status', 'State', 'Ports', 'Names', 'Pid'] as const;

/** The IMAGE column: the image's name, as podman's ps shows it; a folder's root shows as its path. */
function imageOf(state: ContainerState): string {
  return state.spec.root?.image?.name ?? state.spec.root?.path ?? '';
}

export function psRow(state: ContainerState, now: Date = new Date()): PsRow {
  return {
    ID: state.id,
    Image: imageOf(state),
    Command: state.command,
    CreatedAt: state.createdAt,
    RunningFor: `${humanDuration(now.getTime() - new Date(state.createdAt).getTime())} ago`,
    Status: statusText(state),
    State: state.status,
    Ports: publishedPorts(state).map(portText).join(', '),
    Names: state.name,
    Pid: state.status === 'running' ? (state.pid ?? null) : null,
  };
}

/** Rows as columns padded to their widest cell, two spaces apart. */
export function alignColumns(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}

/** The ps table: a header and one row per container, columns padded to their widest cell. */
export function psTable(rows: PsRow[]): string {
  return alignColumns([
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', 'PID'],
    ...rows.map((row) => [shortId(row.ID), row.Image, shorten(row.Command), row.RunningFor, row.Status, row.Ports, row.Names, row.Pid === null ? '-' : String(row.Pid)]),
  ]);
}

const TEMPLATE_ACTION = /\{\{\s*\.([A-Za-z]+)\s*\}\}/g;

/** The column title of a field in a `table` format, as podman writes it. */
const FIELD_TITLES: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  State: 'STATE',
  Ports: 'PORTS',
  Names: 'NAMES',
  Pid: 'PID',
};

function checkTemplate(template: string): void {
  const leftover = template.replace(TEMPLATE_ACTION, '');
  const unknown = [...template.matchAll(TEMPLATE_ACTION)].map((match) => match[1] as string).find((field) => !(PS_FIELDS as readonly string[]).includes(field));
  if (unknown !== undefined) throw new RyouikiError('USAGE', `--format: ps has no field .${unknown}: use ${PS_FIELDS.map((field) => `.${field}`).join(', ')}`);
  if (leftover.includes('{{')) throw new RyouikiError('USAGE', `--format: only {{.Field}} actions are understood, got ${JSON.stringify(template)}: see ryouiki ps --help`);
}

function expand(template: string, value: (field: string) => string): string {
  return template.replace(TEMPLATE_ACTION, (_, field: string) => value(field));
}

/**
 * ps --format: a Go template of {{.Field}} actions (the fields of PS_FIELDS),
 * `\t` and `\n` as podman reads them; `table ...` adds a header and aligns
 * the tab-separated columns; `json` is --json.
 */
export function formatRows(format: string, rows: PsRow[]): string {
  if (format.trim() === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const table = /^table\s/.test(format);
  const template = (table ? format.replace(/^table\s+/, '') : format).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  checkTemplate(template);
  const lines = rows.map((row) => expand(template, (field) => String(row[field as keyof PsRow] ?? '')));
  if (!table) return lines.map((line) => `${line}\n`).join('');
  const header = expand(template, (field) => FIELD_TITLES[field] ?? field);
  return alignColumns([header, ...lines].map((line) => line.split('\t')));
}
