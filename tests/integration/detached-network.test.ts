import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { fetchWhenUp, inStore, psAll, runtimeEntries, startDetached, useStores, waitForStatus } from './detached-harness.js';
import { expectNoLeftovers, isNetworkStack, liveProcesses, ryouiki, testRootfs, waitFor } from './harness.js';

const { newStore } = useStores('detached-network');

async function listen(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, resolve);
  });
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A host loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = await listen();
  const { port } = server.address() as AddressInfo;
  await close(server);
  return port;
}

/** The slirp4netns or pasta connected to the container whose init is pid. */
function networkStackFor(pid: number | undefined): number[] {
  return liveProcesses()
    .filter((p) => isNetworkStack(p) && p.cmdline.split(' ').includes(String(pid)))
    .map((p) => p.pid);
}

const SERVE = 'mkdir /dev/shm/www && echo "hello from a detached container" > /dev/shm/www/index.html && exec httpd -f -p 8080 -h /dev/shm/www';

describe.each(['slirp4netns', 'pasta'])('ryouiki start --network %s', (mode) => {
  it('publishes a port that stays reachable after start has exited, and leaves nothing once stopped and removed', async () => {
    const store = newStore();
    const port = await freePort();
    const id = await startDetached(store, ['--network', mode, '-p', `127.0.0.1:${port}:8080`, '--dns', '192.0.2.53', '--add-host', 'peer:192.0.2.7', '--command', SERVE]);
    const [entry] = await psAll(store);
    expect(entry?.status).toBe('running');
    expect(networkStackFor(entry?.pid)).toHaveLength(1);
    expect(await fetchWhenUp(`http://127.0.0.1:${port}/index.html`)).toBe('hello from a detached container\n');
    const names = await inStore(store, 'exec', [id, 'cat', '/etc/resolv.conf', '/etc/hosts']);
    expect(names.stdout).toMatch(/^nameserver 192\.0\.2\.53$/m);
    expect(names.stdout).toMatch(/^192\.0\.2\.7\tpeer$/m);
    expect((await inStore(store, 'stop', ['-t', '1', id])).exitCode).toBe(0);
    await waitForStatus(store, id, 'stopped');
    expect((await inStore(store, 'rm', [id])).exitCode).toBe(0);
    await expectNoLeftovers();
    expect(runtimeEntries(store)).toEqual([]);
    await close(await listen(port));
  });

  it('ends the network stack when the supervisor is killed with SIGKILL', async () => {
    const store = newStore();
    const port = await freePort();
    const id = await startDetached(store, ['--network', mode, '-p', `127.0.0.1:${port}:8080`, '--', 'sleep', '8181']);
    const [entry] = await psAll(store);
    expect(networkStackFor(entry?.pid)).toHaveLength(1);
    process.kill(entry!.monitor!.pid, 'SIGKILL');
    await waitFor(() => (networkStackFor(entry?.pid).length === 0 ? true : undefined), `${mode} to end with the supervisor`);
    await inStore(store, 'rm', ['-f', id]);
    await expectNoLeftovers('sleep 8181');
    expect(runtimeEntries(store)).toEqual([]);
  });

  it('refuses a host port that is already taken, with exit 125, and leaves nothing', async () => {
    const store = newStore();
    const taken = await listen();
    try {
      const { port } = taken.address() as AddressInfo;
      const out = await ryouiki(['start', '--root', store, '--path', testRootfs(), '--network', mode, '-p', `127.0.0.1:${port}:8080`, '--', 'sleep', '8282']);
      expect(out.exitCode).toBe(125);
      expect(out.stderr.split('\n')).toHaveLength(2);
      expect(out.stderr).toMatch(new RegExp(`^ryouiki: .*${port}`));
      expect(await psAll(store)).toEqual([]);
      expect(runtimeEntries(store)).toEqual([]);
      await expectNoLeftovers('sleep 8282');
    } finally {
      await close(taken);
    }
  });
});
