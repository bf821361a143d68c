import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { images, pull, run } from '@ryouiki/core';
import { collect, expectNoLeftovers, makeTempDir, removeDir, startRyouiki, testRootfs, type Outcome } from './harness.js';
import { emptyStore, makeCertificate, makeOciLayout, processGone, Registry, tarEntries, tarOf, TokenServer } from './images-harness.js';

const DEBIAN = `/var/cache/ryouiki-test/debian-bookworm-${userInfo().username}`;

const work = makeTempDir('images');
const authFile = join(work, 'auth.json');
const started: Registry[] = [];
const tokenServers: TokenServer[] = [];

function ryouiki(args: string[], input = ''): Promise<Outcome> {
  return collect(startRyouiki(args, { REGISTRY_AUTH_FILE: authFile }), input);
}

async function registry(options: ConstructorParameters<typeof Registry>[0] = {}): Promise<Registry> {
  const instance = new Registry(options);
  started.push(instance);
  return instance.start();
}

/** The test's busybox tree as a one-layer image with a config that sets every default ryouiki reads. */
function busyboxLayout(dir: string, compression: 'gzip' | 'zstd' | 'none' = 'gzip'): string {
  const extra = join(work, `extra-${compression}`);
  mkdirSync(join(extra, 'srv', 'app'), { recursive: true });
  writeFileSync(join(extra, 'srv', 'app', 'greeting'), `hello from ${compression}\n`);
  return makeOciLayout(dir, 'latest', [
    {
      compression,
      layers: [tarOf(testRootfs()), tarOf(extra)],
      config: {
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: ['echo "$GREETING in $(pwd) as $(id -u)"'],
        Env: ['PATH=/bin:/sbin:/usr/bin', 'GREETING=image-env'],
        WorkingDir: '/srv/app',
        User: '0:0',
        Labels: { purpose: 'test' },
        StopSignal: 'SIGINT',
        ExposedPorts: { '8080/tcp': {} },
      },
    },
  ]);
}

let plain: Registry;
const afterCurrent: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of afterCurrent.splice(0)) await cleanup();
});

beforeAll(async () => {
  plain = await registry();
  await plain.push(busyboxLayout(join(work, 'busybox-layout')), 'latest', 'busybox:latest');
  await plain.push(busyboxLayout(join(work, 'busybox-zstd'), 'zstd'), 'latest', 'busybox-zstd:latest');
  await plain.push(busyboxLayout(join(work, 'busybox-tar'), 'none'), 'latest', 'busybox-tar:latest');
}, 120000);

afterAll(async () => {
  for (const instance of started) await instance.stop();
  for (const server of tokenServers) await server.stop();
  // every registry process is gone, and its data with it
  for (const instance of started) {
    expect(processGone(instance.pid)).toBe(true);
    expect(existsSync(instance.dir)).toBe(false);
  }
  removeDir(work);
  await expectNoLeftovers();
});

describe('ryouiki pull from a plain HTTP registry', () => {
  it("pulls, lists and runs an image with its config's defaults, each overridable", async () => {
    const store = makeTempDir('store');
    const image = `${plain.address}/busybox`;
    const pulled = await ryouiki(['pull', '--tls-verify=false', '--root', store, image]);
    expect(pulled).toMatchObject({ exitCode: 0 });
    expect(pulled.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const listed = await ryouiki(['images', '--root', store]);
    expect(listed.stdout).toMatch(
      new RegExp(`^REPOSITORY\\s+TAG\\s+IMAGE ID\\s+CREATED\\s+SIZE\\n${image.replace(/\./g, '\\.')}\\s+latest\\s+${pulled.stdout.slice(0, 12)}\\s+2024-01-02 03:04:05 UTC`),
    );

    const defaults = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image]);
    expect(defaults).toMatchObject({ exitCode: 0, stdout: 'image-env in /srv/app as 0\n', stderr: '' });
    const overridden = await ryouiki([
      'tenkai',
      '--root',
      store,
      '--network',
      'none',
      '--image',
      image,
      '--workdir',
      '/tmp',
      '--user',
      '65534:65534',
      '--',
      'echo "$GREETING in $(pwd) as $(id -u)"; cat greeting 2>&1 | head -c 0',
    ]);
    expect(overridden).toMatchObject({ exitCode: 0, stdout: 'image-env in /tmp as 65534\n' });
    const entrypoint = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image, '--entrypoint', '/bin/cat', '--', '/srv/app/greeting']);
    expect(entrypoint).toMatchObject({ exitCode: 0, stdout: 'hello from gzip\n' });
    // a fresh upper layer per container: a write in one is not seen by the next
    await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image, '--', 'echo x > /srv/app/written']);
    const fresh = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image, '--', 'ls /srv/app']);
    expect(fresh.stdout).toBe('greeting\n');

    // stop sends the image's StopSignal (SIGINT here), which the command traps
    const started = await ryouiki(['start', '--root', store, '--network', 'none', '--image', image, '--', 'trap "exit 7" INT; while :; do sleep 0.1; done']);
    expect(started).toMatchObject({ exitCode: 0 });
    expect(await ryouiki(['stop', '-t', '20', '--root', store, started.stdout.trim()])).toMatchObject({ exitCode: 0 });
    const stopped = JSON.parse((await ryouiki(['ps', '-a', '--json', '--root', store])).stdout) as { Status: string; Image: string }[];
    expect(stopped).toMatchObject([{ Status: 'stopped (exit 7)', Image: `${image}:latest` }]);
    expect(await ryouiki(['rm', '--root', store, started.stdout.trim()])).toMatchObject({ exitCode: 0 });

    const inspected = JSON.parse((await ryouiki(['image', 'inspect', '--root', store, image])).stdout) as {
      Id: string;
      Config: { Labels: Record<string, string>; StopSignal: string };
      Layers: unknown[];
    }[];
    expect(inspected[0]).toMatchObject({ Id: `sha256:${pulled.stdout.trim()}`, Config: { Labels: { purpose: 'test' }, StopSignal: 'SIGINT' } });
    expect(inspected[0]!.Layers).toHaveLength(2);
    await emptyStore(store);
  }, 120000);

  it('publishes the ports the image exposes with -P, each on a free host port', async () => {
    const store = makeTempDir('store');
    const image = `${plain.address}/busybox`;
    const started = await ryouiki(['run', '-d', '-P', '--name', 'served', '--tls-verify=false', '--root', store, image, 'echo served > index.html; exec httpd -f -p 8080']);
    expect(started).toMatchObject({ exitCode: 0 });
    const port = await ryouiki(['port', '--root', store, 'served']);
    const published = /^8080\/tcp -> ([\d.]+):(\d+)\n$/.exec(port.stdout);
    expect(published).not.toBeNull();
    let body = '';
    for (let tries = 0; body === '' && tries < 100; tries++) {
      body = await fetch(`http://127.0.0.1:${published![2]}/index.html`).then(
        (response) => response.text(),
        () => '',
      );
      if (body === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(body).toBe('served\n');
    expect(await ryouiki(['rm', '-f', '--root', store, 'served'])).toMatchObject({ exitCode: 0 });
    await emptyStore(store);
  }, 120000);

  it('runs an image from the library, pulling it first: run({ image, pull })', async () => {
    const store = makeTempDir('store');
    const result = await run({ image: `${plain.address}/busybox`, pull: { tlsVerify: false }, command: ['echo $GREETING in $(pwd)'], network: 'none' }, { root: store });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'image-env in /srv/app\n' });
    expect(images({ root: store }).map((row) => row.names)).toEqual([[`${plain.address}/busybox:latest`]]);
    await emptyStore(store);
  }, 120000);

  it('unpacks zstd and plain tar layers, and shares the layers images have in common', async () => {
    const store = makeTempDir('store');
    for (const name of ['busybox-zstd', 'busybox-tar']) {
      expect(await ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, `${plain.address}/${name}`])).toMatchObject({ exitCode: 0 });
    }
    const zstd = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', `${plain.address}/busybox-zstd`, '--entrypoint', '/bin/cat', '--', '/srv/app/greeting']);
    expect(zstd.stdout).toBe('hello from zstd\n');
    const tar = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', `${plain.address}/busybox-tar`, '--entrypoint', '/bin/cat', '--', '/srv/app/greeting']);
    expect(tar.stdout).toBe('hello from none\n');
    // the busybox layer is the same tar in both: unpacked once; the second layers differ
    expect(readdirSync(join(store, 'images', 'layers'))).toHaveLength(3);
    expect(await ryouiki(['rmi', '--root', store, `${plain.address}/busybox-zstd`])).toMatchObject({ exitCode: 0 });
    expect(readdirSync(join(store, 'images', 'layers'))).toHaveLength(2);
    const still = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', `${plain.address}/busybox-tar`, '--', 'echo $GREETING']);
    expect(still.stdout).toBe('image-env\n');
    await emptyStore(store);
  }, 120000);

  it('refuses plain HTTP unless --tls-verify=false, in one line', async () => {
    const store = makeTempDir('store');
    const out = await ryouiki(['pull', '--root', store, `${plain.address}/busybox`]);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/^ryouiki: cannot reach the registry 127\.0\.0\.1:\d+: its TLS handshake failed \(does it speak plain HTTP\?\): .*--tls-verify=false\n$/);
    const missing = await ryouiki(['pull', '--tls-verify=false', '--root', store, `${plain.address}/nothing:here`]);
    expect(missing).toMatchObject({ exitCode: 125 });
    expect(missing.stderr).toMatch(/no such image/);
    await emptyStore(store);
  });

  it("resolves a multi-arch index to this machine's platform, and a pull by digest", async () => {
    const store = makeTempDir('store');
    const file = (text: string) =>
      tarEntries([
        { name: 'bin', type: '5' },
        { name: 'bin/busybox', data: readFileSync(join(testRootfs(), 'bin', 'busybox')), mode: 0o755 },
        { name: 'arch', data: text },
      ]);
    const layout = makeOciLayout(join(work, 'multi'), 'latest', [
      { layers: [file('arm64\n')], architecture: 'arm64', config: { Entrypoint: ['/bin/busybox', 'cat', '/arch'] } },
      { layers: [file('amd64\n')], architecture: 'amd64', config: { Entrypoint: ['/bin/busybox', 'cat', '/arch'] } },
    ]);
    await plain.push(layout, 'latest', 'multi:latest');
    const image = `${plain.address}/multi`;
    expect(await ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, image])).toMatchObject({ exitCode: 0 });
    const out = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image]);
    expect(out).toMatchObject({ exitCode: 0, stdout: `${process.arch === 'arm64' ? 'arm64' : 'amd64'}\n`, stderr: '' });

    const digest = (JSON.parse((await ryouiki(['image', 'inspect', '--root', store, image])).stdout) as { Digest: string }[])[0]!.Digest;
    const other = makeTempDir('store');
    expect(await ryouiki(['pull', '-q', '--tls-verify=false', '--root', other, `${image}@${digest}`])).toMatchObject({ exitCode: 0 });
    expect((await ryouiki(['tenkai', '--root', other, '--network', 'none', '--image', `${image}@${digest}`])).stdout).toBe(out.stdout);
    await emptyStore(store);
    await emptyStore(other);
  }, 120000);

  it('fails a pull on one wrong byte of a blob, keeping nothing of it', async () => {
    const store = makeTempDir('store');
    const layout = makeOciLayout(join(work, 'damaged'), 'latest', [{ layers: [tarEntries([{ name: 'file', data: 'the right content\n' }])] }]);
    await plain.push(layout, 'latest', 'damaged:latest');
    const blobs = join(plain.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256');
    const layerDigest = (
      JSON.parse(
        readFileSync(join(layout, 'blobs', 'sha256', (JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!.digest.slice(7)), 'utf8'),
      ) as { layers: { digest: string }[] }
    ).layers[0]!.digest.slice(7);
    const data = join(blobs, layerDigest.slice(0, 2), layerDigest, 'data');
    const bytes = readFileSync(data);
    bytes[bytes.length - 9] = bytes[bytes.length - 9]! ^ 0xff;
    writeFileSync(data, bytes);
    const out = await ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, `${plain.address}/damaged`]);
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toMatch(/^ryouiki: layer sha256:[0-9a-f]{64}: its content has digest sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}: refused\n$/);
    expect(existsSync(join(store, 'images', 'blobs', 'sha256', layerDigest))).toBe(false);
    expect(readdirSync(join(store, 'images', 'layers'))).toEqual([]);
    expect(readdirSync(join(store, 'images', 'tmp'))).toEqual([]);
    expect((await ryouiki(['images', '-q', '--root', store])).stdout).toBe('');
    await emptyStore(store);
  });

  it('lets concurrent pulls of one image both succeed, with one copy of each layer', async () => {
    const store = makeTempDir('store');
    const image = `${plain.address}/busybox`;
    const [first, second] = await Promise.all([1, 2].map(() => ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, image])));
    expect(first).toMatchObject({ exitCode: 0 });
    expect(second).toMatchObject({ exitCode: 0, stdout: first!.stdout });
    expect(readdirSync(join(store, 'images', 'layers'))).toHaveLength(2);
    expect(readdirSync(join(store, 'images', 'tmp'))).toEqual([]);
    expect((await ryouiki(['images', '-q', '--root', store])).stdout).toBe(`${first!.stdout.slice(0, 12)}\n`);
    // the library's pull() of the same image: nothing new to fetch, the same id
    const again = await pull(image, { root: store, tlsVerify: false });
    expect(again.id).toBe(`sha256:${first!.stdout.trim()}`);
    expect(images({ root: store }).map((row) => row.names)).toEqual([[`${image}:latest`]]);
    await emptyStore(store);
  });

  it('sweeps what a killed pull left, and the next pull completes', async () => {
    const store = makeTempDir('store');
    const image = `${plain.address}/busybox`;
    const child = startRyouiki(['pull', '-q', '--tls-verify=false', '--root', store, image], { REGISTRY_AUTH_FILE: authFile });
    const ended = collect(child);
    // kill it once it has begun writing in tmp/
    for (let i = 0; i < 200 && !(existsSync(join(store, 'images', 'tmp')) && readdirSync(join(store, 'images', 'tmp')).length > 0); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGKILL');
    await ended;
    const again = await ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, image]);
    expect(again).toMatchObject({ exitCode: 0 });
    expect(readdirSync(join(store, 'images', 'tmp'))).toEqual([]);
    expect((await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image])).stdout).toBe('image-env in /srv/app as 0\n');
    await emptyStore(store);
  }, 120000);
});

describe('a TLS registry with a certificate the test made', () => {
  it('refuses the unknown certificate, and pulls with its CA (--cert-dir) or --tls-verify=false', async () => {
    const certs = join(work, 'tls-certs');
    mkdirSync(certs);
    const certificate = makeCertificate(certs, 'registry');
    const tls = await registry({ tls: certificate });
    await tls.push(join(work, 'busybox-layout'), 'latest', 'busybox:latest');
    const store = makeTempDir('store');
    const image = `${tls.address}/busybox`;
    const refused = await ryouiki(['pull', '--root', store, image]);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(/^ryouiki: cannot reach the registry .*certs\.d\/127\.0\.0\.1:\d+\/ca\.crt, or pass --tls-verify=false\n$/);
    const caDir = join(work, 'ca-dir');
    mkdirSync(caDir);
    writeFileSync(join(caDir, 'ca.crt'), readFileSync(certificate.cert));
    expect(await ryouiki(['pull', '-q', '--cert-dir', caDir, '--root', store, image])).toMatchObject({ exitCode: 0 });
    const other = makeTempDir('store');
    expect(await ryouiki(['pull', '-q', '--tls-verify=false', '--root', other, image])).toMatchObject({ exitCode: 0 });
    expect((await ryouiki(['tenkai', '--root', other, '--network', 'none', '--image', image])).stdout).toBe('image-env in /srv/app as 0\n');
    await emptyStore(store);
    await emptyStore(other);
  }, 120000);
});

describe('a registry with token auth', () => {
  it('pulls public images anonymously, private ones after ryouiki login, in auth.json as skopeo reads it', async () => {
    const certs = join(work, 'token-certs');
    mkdirSync(certs);
    const signing = makeCertificate(certs, 'token');
    const tokens = new TokenServer(signing, 'tester', 's3cret');
    tokenServers.push(tokens);
    const realm = await tokens.start();
    const authed = await registry({ token: { realm, cert: signing.cert } });
    await authed.push(join(work, 'busybox-layout'), 'latest', 'public/busybox:latest', ['--dest-creds', 'tester:s3cret']);
    await authed.push(join(work, 'busybox-layout'), 'latest', 'private/busybox:latest', ['--dest-creds', 'tester:s3cret']);
    const store = makeTempDir('store');

    expect(await ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, `${authed.address}/public/busybox`])).toMatchObject({ exitCode: 0 });
    expect(tokens.requests.some((request) => !request.authorized && request.scope === 'repository:public/busybox:pull')).toBe(true);
    const denied = await ryouiki(['pull', '--tls-verify=false', '--root', store, `${authed.address}/private/busybox`]);
    expect(denied.exitCode).toBe(125);
    expect(denied.stderr).toMatch(/^ryouiki: .*private\/busybox.*ryouiki login 127\.0\.0\.1:\d+\n$/);

    const wrong = await ryouiki(['login', '--tls-verify=false', '-u', 'tester', '--password-stdin', authed.address], 'wrong\n');
    expect(wrong.exitCode).toBe(125);
    expect(existsSync(authFile)).toBe(false);
    const login = await ryouiki(['login', '--tls-verify=false', '-u', 'tester', '--password-stdin', authed.address], 's3cret\n');
    expect(login).toMatchObject({ exitCode: 0, stdout: 'Login Succeeded!\n' });
    // skopeo reads what ryouiki login wrote
    const inspected = await collect(spawn('skopeo', ['inspect', '--tls-verify=false', '--authfile', authFile, `docker://${authed.address}/private/busybox`], { stdio: 'pipe' }));
    expect(inspected).toMatchObject({ exitCode: 0 });
    expect(await ryouiki(['pull', '-q', '--tls-verify=false', '--root', store, `${authed.address}/private/busybox`])).toMatchObject({ exitCode: 0 });
    expect(await ryouiki(['logout', authed.address])).toMatchObject({ exitCode: 0 });
    expect(JSON.parse(readFileSync(authFile, 'utf8'))).toEqual({ auths: {} });
    await emptyStore(store);
  }, 120000);
});

describe('the Debian minbase image', () => {
  it('runs apt-get from the registry, and as a detached container ps shows with its image', async () => {
    if (!existsSync(join(DEBIAN, 'etc', 'debian_version'))) throw new Error(`no Debian tree at ${DEBIAN}: run make test as root, whose setup builds it`);
    const subuid = readFileSync('/etc/subuid', 'utf8')
      .split('\n')
      .find((line) => line.startsWith(`${userInfo().username}:`))!
      .split(':');
    const subgid = readFileSync('/etc/subgid', 'utf8')
      .split('\n')
      .find((line) => line.startsWith(`${userInfo().username}:`))!
      .split(':');
    // the tree's owners as the container sees them: tar it in a user namespace of the same map
    const tar = execFileSync(
      'unshare',
      ['--map-root-user', `--map-users=${subuid[1]},1,${subuid[2]}`, `--map-groups=${subgid[1]},1,${subgid[2]}`, 'tar', '--numeric-owner', '-C', DEBIAN, '-cf', '-', '.'],
      { maxBuffer: 1 << 30 },
    );
    const layout = makeOciLayout(join(work, 'debian'), 'bookworm', [
      { layers: [tar], compression: 'zstd', config: { Cmd: ['/bin/bash'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] } },
    ]);
    await plain.push(layout, 'bookworm', 'debian:bookworm');
    await plain.push(layout, 'bookworm', 'debian:latest');
    const store = makeTempDir('store');
    const image = `localhost:${plain.port}/debian`;
    // As podman run: the image is pulled, its program's flags are its own.
    const out = await ryouiki(['run', '--rm', '--tls-verify=false', '--root', store, '--network', 'none', image, 'apt-get', '--version']);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^apt 2\.6\.\d+ \(amd64\)/);
    expect(out.stderr).toMatch(new RegExp(`^Pulling localhost:${plain.port}/debian:latest\\nCopying blob [0-9a-f]{12}\\n`));
    const nobody = await ryouiki(['tenkai', '--root', store, '--network', 'none', '--image', image, '--user', 'nobody', '--', 'stat', '-c', '%U %a', '/etc/shadow', '/usr/bin/passwd']);
    expect(nobody.stdout).toBe('root 640\nroot 4755\n');

    // A failed expectation must not leave its containers for the next tests to trip on.
    afterCurrent.push(() => ryouiki(['rm', '-f', '-a', '--root', store]));
    const started = await ryouiki(['start', '--root', store, '--network', 'none', image, 'sleep', '100']);
    expect(started.exitCode).toBe(0);
    const id = started.stdout.trim();
    expect((await ryouiki(['ps', '--root', store])).stdout.split('\n')[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+localhost:${plain.port}/debian:latest\\s+sleep 100`));
    const inUse = await ryouiki(['rmi', '--root', store, image]);
    expect(inUse.exitCode).toBe(125);
    expect(inUse.stderr).toMatch(/a container uses image [0-9a-f]{12}: remove the container first/);
    expect(await ryouiki(['rm', '-f', '--root', store, id])).toMatchObject({ exitCode: 0 });
    const detached = await ryouiki(['run', '-d', '--name', 'deb', '--tls-verify=false', '--root', store, '--network', 'none', `${image}:bookworm`, 'sh', '-c', 'cat /etc/debian_version; sleep 100']);
    expect(detached.exitCode).toBe(0);
    expect((await ryouiki(['ps', '--format', '{{.Names}} {{.Image}}', '--root', store])).stdout.split('\n')).toContain(`deb localhost:${plain.port}/debian:bookworm`);
    let logged = '';
    for (let tries = 0; logged === '' && tries < 100; tries++) {
      logged = (await ryouiki(['logs', '--root', store, 'deb'])).stdout;
      if (logged === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(logged).toMatch(/^12\.\d+\n$/);
    expect(await ryouiki(['stop', '-t', '1', '--root', store, 'deb'])).toMatchObject({ exitCode: 0 });
    expect(await ryouiki(['rm', '--root', store, 'deb'])).toMatchObject({ exitCode: 0 });
    await emptyStore(store);
  }, 240000);
});
