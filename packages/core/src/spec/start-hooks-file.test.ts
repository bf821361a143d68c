import { describe, expect, it } from '@jest/globals';
import { startHooksFileText } from './start-hooks-file.js';

describe('startHooksFileText', () => {
  it('writes the state up to its pid, then each hook with its counts', () => {
    const text = startHooksFileText({
      hooks: [{ path: '/bin/hook', args: ['hook', '-v'], env: ['A=1'], timeout: 5 }, { path: '/bin/other' }],
      state: { ociVersion: '1.2.0', id: 'abc', status: 'created' },
    });
    expect(text.split('\0')).toEqual([
      '{"ociVersion":"1.2.0","id":"abc","status":"created","pid":',
      'hook',
      '5',
      '/bin/hook',
      '2',
      'hook',
      '-v',
      '1',
      'A=1',
      'hook',
      '0',
      '/bin/other',
      '1',
      '/bin/other',
      '0',
      '',
    ]);
  });
});
