import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Errors } from '@oclif/core';
import { RyouikiError } from '@ryouiki/core/internal';
import { takeDebugFlag } from './debug-flag.js';
import { reportError } from './error-report.js';

let written: string;
beforeEach(() => {
  written = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

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

  it('names an unknown command alone, not joined to the words after it', () => {
    const error = Object.assign(new Error('command pull:alpine not found'), { code: 'command_not_found' });
    expect(reportError(error)).toBe(125);
    expect(written).toBe('ryouiki: command pull not found: see ryouiki --help\n');
  });

  it('passes an exit request through untouched', () => {
    expect(reportError(new Errors.ExitError(3))).toBe(3);
    expect(written).toBe('');
  });

  it('reports an unexpected error without a stack trace unless asked', () => {
    delete process.env.RYOUIKI_DEBUG;
    delete process.env.DEBUG;
    expect(reportError(new TypeError('x is undefined\nmore'))).toBe(125);
    expect(written).toBe('ryouiki: internal error: x is undefined (run with --debug for details)\n');
  });

  it('with --debug still prints a user error as one line, and an internal error with its stack', () => {
    delete process.env.DEBUG;
    const { argv, debug } = takeDebugFlag(['rm', '--debug', 'web']);
    expect({ argv, debug }).toEqual({ argv: ['rm', 'web'], debug: true });
    process.env.RYOUIKI_DEBUG = '1';
    try {
      expect(reportError(new RyouikiError('CONTAINER_NOT_FOUND', 'no container web: see ryouiki ps -a'))).toBe(125);
      expect(written).toBe('ryouiki: no container web: see ryouiki ps -a\n');
      written = '';
      const bug = new TypeError('x is undefined');
      expect(reportError(bug)).toBe(125);
      expect(written).toBe(`ryouiki: internal error: x is undefined (run with --debug for details)\n${bug.stack}\n`);
    } finally {
      delete process.env.RYOUIKI_DEBUG;
    }
  });

  it("takes --debug only before --, where the arguments are the container's", () => {
    expect(takeDebugFlag(['exec', 'web', '--', 'prog', '--debug'])).toEqual({ argv: ['exec', 'web', '--', 'prog', '--debug'], debug: false });
    expect(takeDebugFlag(['--debug', 'ps'])).toEqual({ argv: ['ps'], debug: true });
    expect(takeDebugFlag(['ps'])).toEqual({ argv: ['ps'], debug: false });
  });
});
