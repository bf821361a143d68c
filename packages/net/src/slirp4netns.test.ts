import { describe, expect, it } from '@jest/globals';
import { parseNetwork } from './network-mode.js';
import { slirp4netnsArgs } from './slirp4netns.js';

describe('slirp4netns command line', () => {
  const base = { binary: 'slirp4netns', pid: 42, apiSocket: '/run/x/slirp4netns.sock', publish: [] };

  it('configures tap0 with MTU 65520, no host loopback, the sandbox and seccomp where supported', () => {
    expect(slirp4netnsArgs({ ...base, config: parseNetwork() }, { sandbox: true, seccomp: true })).toEqual([
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      '--enable-sandbox',
      '--enable-seccomp',
      '--ready-fd=3',
      '--exit-fd=4',
      '--api-socket=/run/x/slirp4netns.sock',
      '42',
      'tap0',
    ]);
  });

  it('allows host loopback when asked, and leaves out what the binary lacks', () => {
    const args = slirp4netnsArgs({ ...base, config: parseNetwork('slirp4netns:allow_host_loopback=true,mtu=1500') }, { sandbox: false, seccomp: false });
    expect(args).toEqual(['--configure', '--mtu=1500', '--ready-fd=3', '--exit-fd=4', '--api-socket=/run/x/slirp4netns.sock', '42', 'tap0']);
  });
});
