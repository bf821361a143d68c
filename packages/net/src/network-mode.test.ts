import { describe, expect, it } from '@jest/globals';
import { hasPrivateNetworkNamespace, isNetworkMode, unknownNetworkModeMessage } from './network-mode.js';

describe('network modes', () => {
  it('knows none and host', () => {
    expect(isNetworkMode('none')).toBe(true);
    expect(isNetworkMode('host')).toBe(true);
    expect(isNetworkMode('bridge')).toBe(false);
  });

  it('gives every mode but host its own namespace', () => {
    expect(hasPrivateNetworkNamespace('none')).toBe(true);
    expect(hasPrivateNetworkNamespace('host')).toBe(false);
  });

  it('names the valid modes when refusing one', () => {
    expect(unknownNetworkModeMessage('bridge')).toBe('unknown network mode "bridge": use one of none, host');
  });
});
