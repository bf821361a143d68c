import { describe, expect, it } from '@jest/globals';
import { selectPlatform } from './manifest.js';
import { imageArgs, imageEnv, parseEntrypoint, type ResolvedImage } from './plan-image.js';
import { formatReference, localCandidates, parseReference } from './reference.js';
import { parseChallenge } from './registry.js';
import { layerEntry, layerPath } from './unpack.js';

describe('parseReference', () => {
  it('reads short names as Docker Hub names, as podman does', () => {
    expect(formatReference(parseReference('alpine'))).toBe('docker.io/library/alpine:latest');
    expect(formatReference(parseReference('me/tool:1.2'))).toBe('docker.io/me/tool:1.2');
    expect(parseReference('localhost:5000/debian@sha256:' + 'a'.repeat(64))).toEqual({ registry: 'localhost:5000', repository: 'debian', tag: undefined, digest: 'sha256:' + 'a'.repeat(64) });
    expect(parseReference('registry.example/team/app:v2')).toMatchObject({ registry: 'registry.example', repository: 'team/app', tag: 'v2' });
    expect(localCandidates('mybase')).toEqual(['docker.io/library/mybase:latest', 'localhost/mybase:latest']);
  });

  it('refuses what is not a reference, naming the form to use', () => {
    expect(() => parseReference('Upper/Case')).toThrow(/not an image reference .*\[HOST\[:PORT\]\/\]NAME/);
    expect(() => parseReference('x@sha256:short')).toThrow(/the digest sha256:short/);
  });
});

describe('layer entries', () => {
  it('refuses paths that climb out or are absolute', () => {
    expect(() => layerPath('../etc/passwd')).toThrow(/climbs out/);
    expect(() => layerPath('a/../../b')).toThrow(/climbs out/);
    expect(() => layerPath('/etc/passwd')).toThrow(/an absolute path/);
    expect(layerPath('./usr//bin/')).toBe('usr/bin');
    expect(layerPath('./')).toBeUndefined();
  });

  it('turns whiteouts into whiteout and opaque entries', () => {
    const header = { name: 'etc/.wh.motd', type: 'file' as const, size: 0, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 };
    expect(layerEntry(header)).toMatchObject({ type: 'w', path: 'etc/motd' });
    expect(layerEntry({ ...header, name: 'var/.wh..wh..opq' })).toMatchObject({ type: 'o', path: 'var' });
    expect(() => layerEntry({ ...header, name: '.wh...' })).toThrow(/a whiteout of no name/);
    expect(layerEntry({ ...header, name: 'dev/null', type: 'character-device' })).toBe('device');
    expect(() => layerEntry({ ...header, name: 'x', type: 'link', linkname: '/etc/shadow' })).toThrow(/an absolute path/);
  });
});

describe('image defaults', () => {
  const image: ResolvedImage = {
    id: 'sha256:1',
    name: 'x',
    lowerDirs: ['/l'],
    defaults: { entrypoint: ['/entry'], cmd: ['default'], env: ['PATH=/bin', 'A=image'], exposedPorts: [], labels: {} },
  };

  it('runs Entrypoint with Cmd; arguments replace Cmd; --entrypoint replaces both', () => {
    expect(imageArgs(image, undefined, [])).toEqual(['/entry', 'default']);
    expect(imageArgs(image, undefined, ['mine'])).toEqual(['/entry', 'mine']);
    expect(imageArgs(image, ['/other'], [])).toEqual(['/other']);
    expect(imageArgs(image, [], ['ls'])).toEqual(['ls']);
  });

  it("puts the image's Env first, each key the container gives replaced", () => {
    expect(imageEnv(image, ['A=mine', 'B=2'])).toEqual(['PATH=/bin', 'A=mine', 'B=2']);
  });

  it('reads --entrypoint as podman does', () => {
    expect(parseEntrypoint('["/bin/sh","-c"]')).toEqual(['/bin/sh', '-c']);
    expect(parseEntrypoint('/bin/cat')).toEqual(['/bin/cat']);
    expect(parseEntrypoint('')).toEqual([]);
  });
});

describe('registry protocol pieces', () => {
  it('parses a bearer challenge', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a/b:pull' },
    });
  });

  it("picks this machine's entry of an index, and says what the index has otherwise", () => {
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: 'm', digest: 'sha256:arm', size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: 'm', digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    expect(selectPlatform(index, 'x').digest).toBe(process.arch === 'arm64' ? 'sha256:arm' : 'sha256:amd');
    expect(() => selectPlatform({ schemaVersion: 2, manifests: [{ mediaType: 'm', digest: 'sha256:s', size: 1, platform: { os: 'linux', architecture: 's390x' } }] }, 'img')).toThrow(
      /img: no image for linux\/.* \(it has linux\/s390x\)/,
    );
  });
});
