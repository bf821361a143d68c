import { describe, expect, it } from '@jest/globals';
import { parseNetwork } from './network-mode.js';
import { pastaArgs } from './pasta.js';
import { parsePortMappings } from './publish.js';

describe('pasta command line', () => {
  it('runs pasta under setpriv --pdeathsig, publishing with -t and -u, nothing forwarded to the host', () => {
    const publish = parsePortMappings(['127.0.0.1:8080:80', '9090:90', '127.0.0.1:5353:53/udp']);
    expect(pastaArgs('/usr/bin/pasta', 42, parseNetwork('pasta'), publish)).toEqual([
      '--pdeathsig', 'KILL', '--', '/usr/bin/pasta',
      '--config-net', '--foreground', '--quiet', '--mtu', '65520', '--no-map-gw',
      '-t', '127.0.0.1/8080:80,9090:90', '-u', '127.0.0.1/5353:53', '-T', 'none', '-U', 'none', '42',
    ]);
  });

  it('forwards no port when none is published', () => {
    const args = pastaArgs('pasta', 7, parseNetwork('pasta'), []);
    expect(args.slice(args.indexOf('-t'), args.indexOf('-t') + 4)).toEqual(['-t', 'none', '-u', 'none']);
  });
});
