import { describe, expect, it } from '@jest/globals';
import { applyChanges, changeWords } from './commit-changes.js';

const base = { Cmd: ['/bin/sh'], Env: ['PATH=/usr/bin:/bin', 'MODE=old'], WorkingDir: '/srv', Labels: { kept: 'yes' } };

describe('applyChanges (commit --change)', () => {
  it('applies each instruction as a Dockerfile does', () => {
    expect(
      applyChanges(base, [
        'CMD ["serve", "--port", "80"]',
        'ENTRYPOINT /entry.sh',
        'ENV MODE=new EXTRA="two words"',
        'ENV LEGACY a value',
        'EXPOSE 80 53/udp',
        'LABEL version=2 "with space"=x',
        'user app',
        'WORKDIR data',
        'STOPSIGNAL SIGINT',
        'VOLUME ["/var/lib/app"]',
      ]),
    ).toEqual({
      Cmd: ['serve', '--port', '80'],
      Entrypoint: ['/bin/sh', '-c', '/entry.sh'],
      Env: ['PATH=/usr/bin:/bin', 'MODE=new', 'EXTRA=two words', 'LEGACY=a value'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { kept: 'yes', version: '2', 'with space': 'x' },
      User: 'app',
      WorkingDir: '/srv/data',
      StopSignal: 'SIGINT',
      Volumes: { '/var/lib/app': {} },
    });
  });

  it('drops the image Cmd under a new ENTRYPOINT unless the commit gives a CMD, as docker does', () => {
    expect(applyChanges(base, ['ENTRYPOINT ["/bin/echo"]'])).toMatchObject({ Entrypoint: ['/bin/echo'], Cmd: null });
    expect(applyChanges(base, ['ENTRYPOINT ["/bin/echo"]', 'CMD hi'])).toMatchObject({ Cmd: ['/bin/sh', '-c', 'hi'] });
  });

  it('refuses bad input in one line naming the change', () => {
    for (const [change, message] of [
      ['ONBUILD RUN true', /ONBUILD is not applied by commit/],
      ['RUN apt-get update', /not one of the instructions commit applies: CMD, ENTRYPOINT/],
      ['CMD', /CMD needs a value/],
      ['CMD ["a", 1]', /not a JSON array of strings/],
      ['EXPOSE 70000', /70000 is not PORT/],
      ['EXPOSE 80/icmp', /80\/icmp is not PORT/],
      ['STOPSIGNAL SIGNOPE', /SIGNOPE is not a signal/],
      ['VOLUME data', /data is not an absolute path/],
      ['LABEL novalue', /novalue is not KEY=VALUE/],
      ['ENV A="open', /a " is not closed/],
    ] as Array<[string, RegExp]>) {
      expect(() => applyChanges(base, [change])).toThrow(message);
      expect(() => applyChanges(base, [change])).toThrow(new RegExp(`^--change ${JSON.stringify(change).replace(/[[\]\\^$.|?*+()]/g, '\\$&')}: [^\\n]+$`));
    }
  });

  it('splits words on blanks, keeping quoted blanks and escapes', () => {
    expect(changeWords(`a="b c" 'd e'=f g\\ h`, 'x')).toEqual(['a=b c', 'd e=f', 'g h']);
  });
});
