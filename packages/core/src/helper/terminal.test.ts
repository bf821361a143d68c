import { describe, expect, it } from '@jest/globals';
import { RyouikiError } from '../errors.js';
import { helperArgs } from './helper.js';
import { OCI_VERSION, type ContainerSpec } from '../spec/spec.js';
import { terminalArgs } from './terminal.js';

function spec(terminal: boolean): ContainerSpec {
  return {
    ociVersion: OCI_VERSION,
    process: { args: ['/bin/sh'], env: ['PATH=/bin'], cwd: '/', terminal },
    root: { path: '/r' },
    linux: { namespaces: [{ type: 'user' }] },
  };
}

describe('terminalArgs', () => {
  it('adds nothing without process.terminal, and -i changes nothing then', () => {
    expect(terminalArgs(spec(false), { interactive: true })).toEqual([]);
  });

  it('asks the helper for a terminal, input and a console socket', () => {
    expect(terminalArgs(spec(true), {})).toEqual(['--tty']);
    expect(terminalArgs(spec(true), { interactive: true })).toEqual(['--tty', '--interactive']);
    expect(terminalArgs(spec(true), { consoleSocket: '/run/c.sock' })).toEqual(['--tty', '--console-socket', '/run/c.sock']);
  });

  it('refuses a console socket without a terminal, as a usage error', () => {
    expect(() => terminalArgs(spec(false), { consoleSocket: '/run/c.sock' })).toThrow(new RyouikiError('USAGE', 'a console socket needs a terminal: add -t (process.terminal)'));
  });

  it("puts the terminal flags before the command, so they are never the command's", () => {
    const args = helperArgs(spec(true), { infoFd: 3, blockFd: 4, interactive: true });
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/bin/sh']);
    expect(args.indexOf('--tty')).toBeLessThan(args.indexOf('--'));
  });
});
