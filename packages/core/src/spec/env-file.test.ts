import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_PATH, parseEnvFile, readEnvFile, withDefaultPath } from './env-file.js';
import { RyouikiError } from '../errors.js';

function thrown(fn: () => unknown): RyouikiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RyouikiError) return error;
    throw error;
  }
  throw new Error('expected a RyouikiError');
}

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines and skips blank lines and comments', () => {
    const text = '# a comment\nPATH=/bin\n\n  # indented comment\nGREETING=hello world\r\nEMPTY=\n';
    expect(parseEnvFile(text, 'env.txt')).toEqual(['PATH=/bin', 'GREETING=hello world', 'EMPTY=']);
  });

  it('keeps the value literally, quotes and further = signs included', () => {
    expect(parseEnvFile('A="x=1"\n', 'f')).toEqual(['A="x=1"']);
  });

  it('lets a later line replace an earlier one for the same key', () => {
    expect(parseEnvFile('A=1\nB=2\nA=3\n', 'f')).toEqual(['B=2', 'A=3']);
  });

  it('names the file and line of a malformed line', () => {
    const error = thrown(() => parseEnvFile('A=1\nnot a pair\n', '/x/env.txt'));
    expect(error.code).toBe('ENV_FILE_INVALID');
    expect(error.exitCode).toBe(125);
    expect(error.message).toBe('env file /x/env.txt line 2: expected KEY=VALUE with KEY of letters, digits and _, got "not a pair"');
  });

  it('refuses keys that are not variable names', () => {
    expect(thrown(() => parseEnvFile('1A=x', 'f')).code).toBe('ENV_FILE_INVALID');
    expect(thrown(() => parseEnvFile('=x', 'f')).code).toBe('ENV_FILE_INVALID');
    expect(thrown(() => parseEnvFile('export A=x', 'f')).code).toBe('ENV_FILE_INVALID');
  });
});

describe('withDefaultPath', () => {
  it('adds the standard PATH only when the env has none', () => {
    expect(withDefaultPath(['A=1'])).toEqual(['A=1', `PATH=${DEFAULT_PATH}`]);
    expect(withDefaultPath(['PATH=/x'])).toEqual(['PATH=/x']);
  });
});

describe('readEnvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ryouiki-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says when the file does not exist', () => {
    const error = thrown(() => readEnvFile(join(dir, 'missing')));
    expect(error.code).toBe('ENV_FILE_NOT_FOUND');
    expect(error.message).toContain('does not exist');
  });

  it('says when the path is a folder', () => {
    expect(thrown(() => readEnvFile(dir)).code).toBe('ENV_FILE_UNREADABLE');
  });

  it('says when the file cannot be read', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, 'A=1\n');
    chmodSync(file, 0o000);
    if (process.getuid?.() === 0) return; // root reads anything; the unprivileged run covers this
    expect(thrown(() => readEnvFile(file)).code).toBe('ENV_FILE_UNREADABLE');
  });
});
