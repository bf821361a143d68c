import { constants } from 'node:os';
import { RyouikiError } from '../errors.js';

/** A signal given by name (TERM, SIGTERM, any case) or number (1 to 64), as kill and stop take it. */
export function signalNumber(signal: string): number {
  const text = signal.toUpperCase();
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number > 0 && number < 65) return number;
  } else {
    const number = (constants.signals as Record<string, number>)[text.startsWith('SIG') ? text : `SIG${text}`];
    if (number !== undefined) return number;
  }
  throw new RyouikiError('USAGE', `unknown signal ${signal}: give a name such as TERM or KILL, or a number`);
}
