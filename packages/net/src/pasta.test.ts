import { describe, expect, it } from '@jest/globals';
import { parseNetwork } from './network-mode.js';
import { launchCommand, pastaArgs } from './pasta.js';
import { parsePortMappings } from './publish.js';

describe('pasta command line', () => {
  it('runs pasta in the foreground, publishing with -t and -u, nothing forwarded to the host', () => {
    const publish = parsePortMappings(['127.0.0.1:8080:80', '9090:90', '127.0.0.1:5353:53/udp']);
    expect(pastaArgs(42, parseNetwork('pasta'), publish)).toEqual([
      '--config-net',
      '--foreground',
      '--quiet',
      '--mtu',
      '65520',
      '--no-map-gw',
      '-t',
      '127.0.0.1/8080:80,9090:90',
      '-u',
      '127.0.0.1/5353:53',
      '-T',
      'none',
      '-U',
      'none',
      '42',
    ]);
  });

  it('forwards no port when none is published', () => {
    const args = pastaArgs(7, parseNetwork('pasta'), []);
    expect(args.slice(args.indexOf('-t'), args.indexOf('-t') + 4)).toEqual(['-t', 'none', '-u', 'none']);
  });
});

describe('pasta launchers', () => {
  const args = ['--config-net', '42'];

  it('ties a foreground pasta to this process with setpriv --pdeathsig', () => {
    expect(launchCommand({ kind: 'pdeathsig', setpriv: '/usr/bin/setpriv' }, '/usr/bin/pasta', args)).toEqual([
      '/usr/bin/setpriv',
      ['--pdeathsig', 'KILL', '--', '/usr/bin/pasta', '--config-net', '42'],
    ]);
  });

  it('ties a detached pasta to the supervisor through the keeper watching fd 3', () => {
    const launcher = { kind: 'keeper' as const, keeper: '/opt/ryouiki-monitor', supervisorLink: process.stdin, stderrFile: '/tmp/pasta.err' };
    expect(launchCommand(launcher, 'pasta', args)).toEqual(['/opt/ryouiki-monitor', ['--keep-while-fd', '3', '--', 'pasta', '--config-net', '42']]);
  });
});
