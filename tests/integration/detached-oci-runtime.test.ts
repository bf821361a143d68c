import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { detectCgroups, isWritableDir } from '@ryouiki/core/internal';
import { describeIf, missingDelegation } from './cgroup-harness.js';
import { expectNoLeftovers, makeTempDir, removeDir, waitFor } from './harness.js';
import { listenForTerminal } from './host-terminal.js';
import { cgroupsLeftOf, containersIn, runtime, stateOf, waitForAsync, waitForOutput, writeBundle } from './oci-harness.js';

const work = makeTempDir('oci-runtime');
afterAll(() => removeDir(work));

let dir: string;
let root: string;
let serial = 0;
const ownCgroups = detectCgroups()
  .hierarchies.filter((h) => isWritableDir(h.ownDir))
  .map((h) => h.ownDir);

beforeEach(() => {
  dir = join(work, `t${serial++}`);
  root = join(dir, 'root');
  writeBundle(join(dir, 'bundle'), { args: ['/bin/sh', '-c', 'echo started; exec sleep 60'] });
});

afterEach(async () => {
  for (const id of containersIn(root)) await runtime(dir, root, ['delete', '--force', id], 'cleanup');
  await expectNoLeftovers();
  expect(containersIn(root)).toEqual([]);
});

async function create(id: string, bundle = join(dir, 'bundle'), extra: string[] = []): Promise<void> {
  const out = await runtime(dir, root, ['create', '--bundle', bundle, '--pid-file', join(dir, `${id}.pid`), ...extra, id], 'create');
  expect(out).toMatchObject({ exitCode: 0, stderr: '' });
}

describe('ryouiki-runtime lifecycle on a bundle', () => {
  it('create stops before the command; start runs it; kill stops it; delete removes everything', async () => {
    await create('life');
    const created = await stateOf(dir, root, 'life');
    expect(created).toMatchObject({ ociVersion: '1.0.2', id: 'life', status: 'created', bundle: join(dir, 'bundle'), annotations: { 'org.example.test': 'yes' } });
    expect(created.pid).toBe(Number(readFileSync(join(dir, 'life.pid'), 'utf8')));
    expect(readFileSync(`/proc/${created.pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    expect(readFileSync(join(dir, 'create.out'), 'utf8')).toBe('');

    expect(await runtime(dir, root, ['start', 'life'], 'start')).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    await waitForOutput(join(dir, 'create.out'), 'started\n');
    expect(await stateOf(dir, root, 'life')).toMatchObject({ status: 'running', pid: created.pid });
    const again = await runtime(dir, root, ['start', 'life'], 'start');
    expect(again).toMatchObject({ exitCode: 125, stderr: 'ryouiki-runtime: container life is running, not created: cannot start it\n' });

    expect(await runtime(dir, root, ['kill', 'life', 'KILL'], 'kill')).toMatchObject({ exitCode: 0, stderr: '' });
    await waitForAsync(async () => ((await stateOf(dir, root, 'life')).status === 'stopped' ? true : undefined), 'the container to stop');
    const stopped = await stateOf(dir, root, 'life');
    expect(stopped.pid).toBeUndefined();
    expect(await runtime(dir, root, ['delete', 'life'], 'delete')).toMatchObject({ exitCode: 0, stderr: '' });
    expect(cgroupsLeftOf('life', ownCgroups)).toEqual([]);
    expect((await runtime(dir, root, ['state', 'life'], 'state')).stderr).toBe('ryouiki-runtime: container life does not exist: see ryouiki-runtime list\n');
  });

  it('kills a created container (any signal: it has no command yet), and deletes a created one', async () => {
    await create('k1');
    await create('k2');
    expect(await runtime(dir, root, ['kill', 'k1', 'TERM'], 'kill')).toMatchObject({ exitCode: 0 });
    await waitForAsync(async () => ((await stateOf(dir, root, 'k1')).status === 'stopped' ? true : undefined), 'k1 to stop');
    expect(await runtime(dir, root, ['delete', 'k1'], 'delete')).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await runtime(dir, root, ['delete', 'k2'], 'delete')).toMatchObject({ exitCode: 0, stderr: '' });
    expect(containersIn(root)).toEqual([]);
    expect(readFileSync(join(dir, 'create.out'), 'utf8')).toBe('');
  });

  it('refuses to delete a running container without --force; delete --force kills and removes it', async () => {
    await create('busy');
    await runtime(dir, root, ['start', 'busy'], 'start');
    const refused = await runtime(dir, root, ['delete', 'busy'], 'delete');
    expect(refused).toMatchObject({ exitCode: 125, stderr: 'ryouiki-runtime: container busy is running: stop it first (ryouiki-runtime kill busy KILL), or delete --force\n' });
    expect((await stateOf(dir, root, 'busy')).status).toBe('running');
    expect(await runtime(dir, root, ['delete', '--force', 'busy'], 'delete')).toMatchObject({ exitCode: 0, stderr: '' });
    expect(containersIn(root)).toEqual([]);
    expect(cgroupsLeftOf('busy', ownCgroups)).toEqual([]);
  });

  it('does not start a container whose prestart hook fails, and names the hook', async () => {
    const hook = join(dir, 'hook.sh');
    writeFileSync(hook, '#!/bin/sh\ncat > "$(dirname "$0")/hook.stdin"\necho "no network today" >&2\nexit 3\n');
    chmodSync(hook, 0o755);
    const poststop = join(dir, 'poststop.sh');
    writeFileSync(poststop, '#!/bin/sh\ncat > "$(dirname "$0")/poststop.stdin"\n');
    chmodSync(poststop, 0o755);
    const bundle = writeBundle(join(dir, 'hooked'), { args: ['/bin/echo', 'should not run'], hooks: { prestart: [{ path: hook }], poststop: [{ path: poststop }] } });
    const out = await runtime(dir, root, ['create', '--bundle', bundle, 'hooked'], 'create');
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toBe(`ryouiki-runtime: hooks.prestart[0] (${hook}) exited with 3: no network today\n`);
    const given = JSON.parse(readFileSync(join(dir, 'hook.stdin'), 'utf8')) as Record<string, unknown>;
    expect(given).toMatchObject({ id: 'hooked', status: 'creating', bundle });
    expect(typeof given.pid).toBe('number');
    // The lifecycle goes on to its end: poststop runs.
    expect(JSON.parse(readFileSync(join(dir, 'poststop.stdin'), 'utf8'))).toMatchObject({ id: 'hooked', status: 'stopped' });
    expect(containersIn(root)).toEqual([]);
    expect(cgroupsLeftOf('hooked', ownCgroups)).toEqual([]);
  });

  it('runs poststart and poststop hooks with the state', async () => {
    const hook = join(dir, 'record.sh');
    writeFileSync(hook, '#!/bin/sh\ncat >> "$(dirname "$0")/hooks.log"\necho >> "$(dirname "$0")/hooks.log"\n');
    chmodSync(hook, 0o755);
    const bundle = writeBundle(join(dir, 'hooked'), { args: ['/bin/sleep', '60'], hooks: { poststart: [{ path: hook }], poststop: [{ path: hook }] } });
    await create('posthooks', bundle);
    await runtime(dir, root, ['start', 'posthooks'], 'start');
    await runtime(dir, root, ['delete', '--force', 'posthooks'], 'delete');
    const states = readFileSync(join(dir, 'hooks.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; id: string });
    expect(states.map((state) => [state.id, state.status])).toEqual([
      ['posthooks', 'running'],
      ['posthooks', 'stopped'],
    ]);
  });

  it("run in the foreground exits with the command's code and leaves nothing", async () => {
    const bundle = writeBundle(join(dir, 'exit7'), { args: ['/bin/sh', '-c', 'echo out; echo err >&2; exit 7'] });
    const out = await runtime(dir, root, ['run', '--bundle', bundle, 'seven'], 'run');
    expect(out).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
    expect(containersIn(root)).toEqual([]);
  });

  it('reports a command that cannot run at create, as a created container sets itself up there', async () => {
    const bundle = writeBundle(join(dir, 'badcwd'), { args: ['/bin/true'] });
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { cwd: string } };
    config.process.cwd = '/nowhere';
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const out = await runtime(dir, root, ['create', '--bundle', bundle, 'badcwd'], 'create');
    expect(out).toMatchObject({ exitCode: 125, stderr: 'ryouiki-runtime: cwd: /nowhere: No such file or directory\n' });
    expect(containersIn(root)).toEqual([]);
  });

  it('exec runs in the running container: exit codes, --cwd, --env, --process, and --detach with a pid file', async () => {
    await create('ex');
    await runtime(dir, root, ['start', 'ex'], 'start');
    expect(await runtime(dir, root, ['exec', 'ex', 'hostname'], 'exec')).toEqual({ exitCode: 0, stdout: 'ocitest\n', stderr: '' });
    expect((await runtime(dir, root, ['exec', 'ex', 'sh', '-c', 'exit 5'], 'exec')).exitCode).toBe(5);
    expect(await runtime(dir, root, ['exec', '--cwd', '/etc', '--env', 'GREETING=hi', 'ex', 'sh', '-c', 'echo "$GREETING $PWD"'], 'exec')).toMatchObject({ exitCode: 0, stdout: 'hi /etc\n' });
    const processFile = join(dir, 'process.json');
    writeFileSync(processFile, JSON.stringify({ args: ['sh', '-c', 'echo "$ONLY" "$PATH"'], env: ['ONLY=this', 'PATH=/bin'], cwd: '/', terminal: false }));
    expect(await runtime(dir, root, ['exec', '--process', processFile, 'ex'], 'exec')).toMatchObject({ exitCode: 0, stdout: 'this /bin\n' });
    const notFound = await runtime(dir, root, ['exec', 'ex', 'nope'], 'exec');
    expect(notFound).toMatchObject({ exitCode: 127, stderr: 'ryouiki-runtime: exec: nope: No such file or directory\n' });

    const detached = await runtime(dir, root, ['exec', '--detach', '--pid-file', join(dir, 'exec.pid'), 'ex', 'sleep', '60'], 'exec');
    expect(detached).toMatchObject({ exitCode: 0, stderr: '' });
    const execPid = Number(readFileSync(join(dir, 'exec.pid'), 'utf8'));
    expect(readFileSync(`/proc/${execPid}/comm`, 'utf8')).toBe('ryouiki-exec\n');
    const listed = JSON.parse((await runtime(dir, root, ['ps', '--format', 'json', 'ex'], 'ps')).stdout) as number[];
    expect(listed).toHaveLength(3); // the init, sleep 60, and the exec'd sleep (ryouiki-exec itself is outside)
    expect(await runtime(dir, root, ['exec', '-t', 'ex', 'true'], 'exec')).toMatchObject({
      exitCode: 125,
      stderr: 'ryouiki-runtime: exec with a terminal needs --console-socket, where the terminal goes (ryouiki-runtime copies no terminal)\n',
    });
    process.kill(execPid, 'SIGKILL');
  });

  it("exec --tty sends the program's terminal to --console-socket", async () => {
    await create('extty');
    await runtime(dir, root, ['start', 'extty'], 'start');
    const receiver = await listenForTerminal(join(dir, 'exec.sock'));
    const out = await runtime(dir, root, ['exec', '--tty', '--console-socket', join(dir, 'exec.sock'), 'extty', 'sh', '-c', 'tty; stty size; exit 6'], 'exec');
    expect(out).toEqual({ exitCode: 6, stdout: '', stderr: '' });
    expect((await receiver.result).stdout).toBe('listening\nname=/dev/pts/0\n/dev/pts/0\r\n24 80\r\n');
  });

  it('sends the terminal to --console-socket at create, before the command runs', async () => {
    const socket = join(dir, 'console.sock');
    const receiver = await listenForTerminal(socket);
    const bundle = writeBundle(join(dir, 'tty'), { args: ['/bin/sh', '-c', 'tty; stty size'], terminal: true });
    await create('tty', bundle, ['--console-socket', socket]);
    await waitFor(() => (receiver.said() === 'listening\nname=/dev/pts/0\n' ? true : undefined), 'the terminal to arrive at create');
    expect((await stateOf(dir, root, 'tty')).status).toBe('created');
    await runtime(dir, root, ['start', 'tty'], 'start');
    const result = await receiver.result;
    expect(result.stdout).toBe('listening\nname=/dev/pts/0\n/dev/pts/0\r\n24 80\r\n');
    const missing = await runtime(dir, root, ['create', '--bundle', bundle, 'tty2'], 'create');
    expect(missing).toMatchObject({ exitCode: 125, stderr: 'ryouiki-runtime: process.terminal is true: give --console-socket, where the terminal goes (ryouiki-runtime copies no terminal)\n' });
  });

  it('pause freezes the container and resume thaws it, where a freezer is delegated', async () => {
    await create('frozen');
    await runtime(dir, root, ['start', 'frozen'], 'start');
    const paused = await runtime(dir, root, ['pause', 'frozen'], 'pause');
    const freezer = detectCgroups().hierarchies.some((h) => isWritableDir(h.ownDir) && (h.version === 2 || h.controllers.includes('freezer')));
    if (!freezer) {
      expect(paused).toMatchObject({ exitCode: 125, stderr: expect.stringContaining('has no freezer') });
      return;
    }
    expect(paused).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await stateOf(dir, root, 'frozen')).status).toBe('paused');
    expect(await runtime(dir, root, ['resume', 'frozen'], 'resume')).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await stateOf(dir, root, 'frozen')).status).toBe('running');
  });

  it('lists the containers of its root', async () => {
    await create('one');
    await create('two');
    await runtime(dir, root, ['start', 'two'], 'start');
    const listed = JSON.parse((await runtime(dir, root, ['list', '--format', 'json'], 'list')).stdout) as Array<{ id: string; status: string }>;
    expect(listed.map((entry) => [entry.id, entry.status])).toEqual([
      ['one', 'created'],
      ['two', 'running'],
    ]);
    expect((await runtime(dir, root, ['list', '-q'], 'list')).stdout).toBe('one\ntwo\n');
  });
});

describeIf(missingDelegation(), 'ryouiki-runtime with linux.resources')('ryouiki-runtime with resource limits', () => {
  it("puts the container in a cgroup of its own with the bundle's memory and pids limits, removed by delete", async () => {
    const bundle = writeBundle(join(dir, 'limited'), { args: ['/bin/sleep', '60'] });
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { linux: Record<string, unknown> };
    config.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 } };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    await create('limited', bundle);
    await runtime(dir, root, ['start', 'limited'], 'start');
    const folders = cgroupsLeftOf('limited', ownCgroups);
    const limits = folders.flatMap((folder) =>
      ['memory.max', 'memory.limit_in_bytes', 'pids.max'].filter((file) => existsSync(join(folder, file))).map((file) => `${file}=${readFileSync(join(folder, file), 'utf8').trim()}`),
    );
    expect(limits).toEqual(expect.arrayContaining([expect.stringMatching(/^memory\.(max|limit_in_bytes)=67108864$/), 'pids.max=20']));
    const pid = (await stateOf(dir, root, 'limited')).pid!;
    const procs = folders.filter((folder) => existsSync(join(folder, 'cgroup.procs'))).map((folder) => readFileSync(join(folder, 'cgroup.procs'), 'utf8'));
    expect(procs.every((text) => text.split('\n').includes(String(pid)))).toBe(true);
    await runtime(dir, root, ['delete', '--force', 'limited'], 'delete');
    expect(cgroupsLeftOf('limited', ownCgroups)).toEqual([]);
  });
});

describe('ryouiki-runtime command line', () => {
  it('prints its version and the OCI features document', async () => {
    expect(await runtime(dir, root, ['--version'], 'version')).toEqual({ exitCode: 0, stdout: 'ryouiki-runtime version 0.1.0\nspec: 1.2.0\n', stderr: '' });
    const features = JSON.parse((await runtime(dir, root, ['features'], 'features')).stdout) as { ociVersionMax: string; hooks: string[]; linux: { cgroup: { systemd: boolean } } };
    expect(features.ociVersionMax).toBe('1.2.0');
    expect(features.hooks).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    expect(features.linux.cgroup.systemd).toBe(true);
  });

  it("takes --flag=value as well as --flag value, and writes errors to --log in runc's json format", async () => {
    const log = join(dir, 'runtime.log');
    const out = await runtime(dir, root, [`--log=${log}`, '--log-format', 'json', 'state', 'ghost'], 'state');
    expect(out).toMatchObject({ exitCode: 125, stderr: 'ryouiki-runtime: container ghost does not exist: see ryouiki-runtime list\n' });
    const line = JSON.parse(readFileSync(log, 'utf8')) as { level: string; msg: string; time: string };
    expect(line).toMatchObject({ level: 'error', msg: 'container ghost does not exist: see ryouiki-runtime list' });
    expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    expect(await runtime(dir, root, ['delete', '--force', 'ghost'], 'delete')).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it('refuses bad input with one line and exit 125, creating nothing', async () => {
    const bundle = join(dir, 'bundle');
    const cases: Array<[string[], string]> = [
      [['create', '--bogus', 'x'], 'unknown flag --bogus'],
      [['create', '--bundle', bundle], 'give exactly one container id: create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID'],
      [['create', '--bundle', bundle, '../x'], 'invalid container id "../x": use letters, digits and + - . _'],
      [['create', '--bundle', bundle, '--preserve-fds', '2', 'x'], '--preserve-fds 2: passing extra file descriptors is not supported'],
      [['--log-format', 'xml', 'list'], '--log-format xml: use text or json'],
      [['--rootless', 'maybe', 'list'], '--rootless maybe: use true, false or auto'],
      [['frobnicate'], 'unknown command frobnicate: see ryouiki-runtime --help'],
      [['kill', 'x', 'NOPE'], 'unknown signal NOPE: give a name such as TERM or KILL, or a number'],
    ];
    for (const [args, message] of cases) {
      expect(await runtime(dir, root, args, 'bad')).toEqual({ exitCode: 125, stdout: '', stderr: `ryouiki-runtime: ${message}\n` });
    }
    expect(containersIn(root)).toEqual([]);
    expect(await runtime(dir, root, ['--rootless=true', 'list', '-q'], 'list')).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('refuses --systemd-cgroup where no systemd user manager runs over pure cgroup v2 (here), creating nothing', async () => {
    const bundle = writeBundle(join(dir, 'systemd-bundle'), { args: ['/bin/true'] });
    expect(await runtime(dir, root, ['--systemd-cgroup', 'create', '--bundle', bundle, 'x'], 'systemd')).toEqual({
      exitCode: 125,
      stdout: '',
      stderr:
        'ryouiki-runtime: --systemd-cgroup needs pure cgroup v2 and your systemd user manager on its D-Bus (dbus-user-session, a login or loginctl enable-linger): without them, use cgroupfs (podman --cgroup-manager cgroupfs)\n',
    });
    expect(containersIn(root)).toEqual([]);
  });
});
