import { parseSize as parseByteSize, RyouikiError } from '@ryouiki/core/internal';

/** A byte count as podman takes it (1048576, 512k, 1.5g, 10MiB; 0 for none), read by the one size parser of --memory too. */
export function parseSize(text: string, flag: string): number {
  const bytes = text.trim() === '0' ? 0 : parseByteSize(text);
  if (bytes === undefined) throw new RyouikiError('USAGE', `${flag} takes a size such as 10m or 1048576, got ${JSON.stringify(text)}`);
  return bytes;
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
