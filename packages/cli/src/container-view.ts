import { shortId, type ContainerState } from '@ryouiki/core';

/** How ps shows a status: `running`, `created`, `stopped (exit 0)`, `stopped (exit unknown)`. */
export function statusText(state: ContainerState): string {
  if (state.status !== 'stopped') return state.status;
  return `stopped (exit ${state.exitCode === null || state.exitCode === undefined ? 'unknown' : state.exitCode})`;
}

const MAX_COMMAND = 40;

function shorten(text: string): string {
  return text.length > MAX_COMMAND ? `${text.slice(0, MAX_COMMAND - 3)}...` : text;
}

/** The image a container runs, as podman's ps shows it; a folder's root shows as its path. */
function imageText(state: ContainerState): string {
  return state.spec.root.image?.name ?? state.spec.root.path;
}

/** The ps table: a header and one row per container, columns padded to their widest cell. */
export function psTable(states: ContainerState[]): string {
  const rows = [
    ['CONTAINER ID', 'NAME', 'IMAGE', 'COMMAND', 'STATUS', 'CREATED', 'PID'],
    ...states.map((state) => [shortId(state.id), state.name, imageText(state), shorten(state.command), statusText(state), state.createdAt, state.status === 'running' ? String(state.pid ?? '') : '-']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}
