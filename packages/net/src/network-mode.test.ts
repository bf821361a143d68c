import { describe, expect, it } from '@jest/globals';
import { hasPrivateNetworkNamespace, hasUserModeNetwork, isNetworkMode, parseNetwork, unknownNetworkModeMessage } from './network-mode.js';

describe('network modes', () => {
  it('knows slirp4netns, pasta, none and host', () => {
    for (const mode of ['slirp4netns', 'pasta', 'none', 'host']) expect(isNetworkMode(mode)).toBe(true);
    expect(isNetworkMode('bridge')).toBe(false);
  });

  it('gives every mode but host its own namespace, and a network stack to slirp4netns and pasta', () => {
    expect(hasPrivateNetworkNamespace('none')).toBe(true);
    expect(hasPrivateNetworkNamespace('slirp4netns')).toBe(true);
    expect(hasPrivateNetworkNamespace('host')).toBe(false);
    expect(hasUserModeNetwork('slirp4netns')).toBe(true);
    expect(hasUserModeNetwork('pasta')).toBe(true);
    expect(hasUserModeNetwork('none')).toBe(false);
  });

  it('names the valid modes when refusing one', () => {
    expect(unknownNetworkModeMessage('bridge')).toBe('unknown network mode "bridge": use one of slirp4netns, pasta, none, host');
    expect(() => parseNetwork('bridge')).toThrow('unknown network mode "bridge"');
  });

  it('defaults to slirp4netns without host loopback, MTU 65520', () => {
    expect(parseNetwork()).toEqual({ mode: 'slirp4netns', allowHostLoopback: false, mtu: 65520 });
    expect(parseNetwork('none').mode).toBe('none');
  });

  it('reads slirp4netns options as podman spells them', () => {
    expect(parseNetwork('slirp4netns:allow_host_loopback=true,mtu=1500')).toEqual({ mode: 'slirp4netns', allowHostLoopback: true, mtu: 1500 });
    expect(parseNetwork('slirp4netns:allow_host_loopback=false').allowHostLoopback).toBe(false);
  });

  it.each([
    ['slirp4netns:allow_host_loopback=yes', '--network slirp4netns: allow_host_loopback=yes: use allow_host_loopback=true or allow_host_loopback=false'],
    ['slirp4netns:mtu=70000', '--network slirp4netns: mtu=70000: give a number from 68 to 65521'],
    ['slirp4netns:port_handler=rootlesskit', '--network slirp4netns: unknown option "port_handler": use allow_host_loopback or mtu'],
    ['slirp4netns:loopback', '--network slirp4netns: loopback: not key=value (for example allow_host_loopback=true)'],
    ['none:x=y', '--network none takes no options: give --network none'],
  ])('refuses %s', (value, message) => {
    expect(() => parseNetwork(value)).toThrow(message);
  });
});
