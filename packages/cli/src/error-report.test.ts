import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Errors } from '@oclif/core';
import { RyouikiError } from '@ryouiki/core';
import { reportError } from './error-report.js';

let written: string;
beforeEach(() => {
  written = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

describe('reportError', () => {
  it('prints our own errors as one line and returns their exit code', () => {
    expect(reportError(new RyouikiError('COMMAND_NOT_FOUND', 'exec: x: No such file or directory', { exitCode: 127 }))).toBe(127);
    expect(written).toBe('ryouiki: exec: x: No such file or directory\n');
  });

  it('turns oclif usage errors into one line and exit 125', () => {
    const error = new Errors.CLIError('The following error occurred:\n  Missing required flag path\nSee more help with --help');
    expect(reportError(error)).toBe(125);
    expect(written).toBe('ryouiki: Missing required flag path: see ryouiki --help\n');
  });

  it('passes an exit request through untouched', () => {
    expect(reportError(new Errors.ExitError(3))).toBe(3);
    expect(written).toBe('');
  });

  it('reports an unexpected error without a stack trace unless asked', () => {
    delete process.env.RYOUIKI_DEBUG;
    delete process.env.DEBUG;
    expect(reportError(new TypeError('x is undefined\nmore'))).toBe(125);
    expect(written).toBe('ryouiki: internal error: x is undefined (set DEBUG=ryouiki for details)\n');
  });
});
