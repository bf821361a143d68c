import { readFileSync } from 'node:fs';
import { alignColumns } from './container-view.js';

const CLOCK_TICKS = 100;

function procText(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** An id of the host as the namespace of a uid_map/gid_map file sees it; `?` when unmapped. */
export function idInside(hostId: number, map: string): string {
  for (const line of map.split('\n')) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside === undefined || outside === undefined || count === undefined || Number.isNaN(count)) continue;
    if (hostId >= outside && hostId < outside + count) return String(hostId - outside + inside);
  }
  return '?';
}

/** CPU time as ps prints it: HH:MM:SS. */
function cpuTime(ticks: number): string {
  const seconds = Math.floor(ticks / CLOCK_TICKS);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

export interface ContainerProcess {
  /** As the container sees them. */
  pid: string;
  ppid: string;
  user: string;
  time: string;
  command: string;
}

/** The last of a process's NSpid ids: its pid in its own PID namespace. */
function pidInside(pid: number): string | undefined {
  const line = /^NSpid:\s+(.*)$/m.exec(procText(pid, 'status') ?? '')?.[1];
  return line?.trim().split(/\s+/).at(-1);
}

/** One process of the container, read from /proc; undefined once it has gone. */
export function containerProcess(pid: number, hostToInside: Map<number, string>): ContainerProcess | undefined {
  const stat = procText(pid, 'stat');
  const status = procText(pid, 'status');
  if (stat === undefined || status === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  // ryouiki-init blanks its arguments with spaces: trimmed, they leave its name.
  const cmdline = (procText(pid, 'cmdline') ?? '').split('\0').join(' ').trim();
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  return {
    pid: hostToInside.get(pid) ?? '?',
    ppid: hostToInside.get(ppid) ?? '0',
    user: idInside(uid, procText(pid, 'uid_map') ?? ''),
    time: cpuTime(Number(fields[11]) + Number(fields[12])),
    command: cmdline === '' ? `[${comm}]` : cmdline,
  };
}

/** The table of ryouiki top: the processes as the container sees them, as podman top's default columns. */
export function processTable(pids: number[]): string {
  const inside = new Map(pids.map((pid) => [pid, pidInside(pid) ?? '?']));
  const rows = pids.map((pid) => containerProcess(pid, inside)).filter((row) => row !== undefined);
  const table = [['USER', 'PID', 'PPID', 'TIME', 'COMMAND'], ...rows.map((row) => [row.user, row.pid, row.ppid, row.time, row.command])];
  return alignColumns(table);
}
