import { RyouikiError } from '@ryouiki/core/internal';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte count as podman takes it: 1048576, 512k, 10m, 10MiB, 1g, 10mb. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (match === null) throw new RyouikiError('USAGE', `${flag} takes a size such as 10m or 1048576, got ${JSON.stringify(text)}`);
  return Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? 1);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A point in time: an RFC 3339 time, or a duration back from now such as 30s, 5m, 2h. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (match !== null) return new Date(now.getTime() - Number(match[1]) * (DURATION_UNITS[match[2] as string] as number));
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new RyouikiError('USAGE', `--since takes a time such as 2026-01-02T15:04:05Z or a duration such as 10m, got ${JSON.stringify(text)}`);
  return new Date(time);
}

export function parseSeconds(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new RyouikiError('USAGE', `${flag} takes a number of seconds, got ${JSON.stringify(text)}`);
  return value;
}
