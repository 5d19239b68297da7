import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderLockPath, lockDataFolder } from '../../services/data-folder/folder-lock.ts';
import { connectDevice, disconnectDevice } from '../../simulators/device-client.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createTopics } from '../../services/topics.ts';
import { runCli, stackTrace } from './run-cli.ts';
import { spawnStart, type StartedCli } from './spawn-start.ts';

const exists = (path: string) => access(path).then(() => true, () => false);
const ackOf = (dataDir: string) => readFile(join(dataDir, 'spool', 'ack'), 'utf8').catch(() => '');

/** Waits until `check` holds, polling (a file's content has no event to await). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

describe('the data folder is one run\'s alone, whatever database (issue 19, item 1)', () => {
  let work: string;
  let first: StartedCli;
  let dataDir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-lock-'));
    dataDir = join(work, 'data');
    // Its own local influxd, the simulated fleet on: its spool is written and acknowledged.
    first = await spawnStart(['--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '' });
  });

  afterAll(async () => {
    await first?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('a second start with INFLUX_URL = the first\'s influxd is refused; the first\'s spool, runtime.json and acknowledgements are untouched', async () => {
    await until(async () => (await ackOf(dataDir)) !== '', 'the first acknowledgement');
    // The banner counts the devices the simulated fleet sends as (all of a fresh installation's).
    expect(first.output()).toMatch(/simulated fleet 147 devices, every 5 s/);
    const runtimeBefore = await readFile(join(dataDir, 'runtime.json'), 'utf8');
    const { influxUrl, pid } = JSON.parse(runtimeBefore) as { influxUrl: string; pid: number };
    const segments = (await readdir(join(dataDir, 'spool'))).filter((name) => name.endsWith('.seg'));
    const inodes = await Promise.all(segments.map(async (name) => (await stat(join(dataDir, 'spool', name))).ino));

    const second = await runCli(['start', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: influxUrl });
    expect(second.stderr).not.toMatch(stackTrace);
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^WX_ERR_DATA_DIR_LOCKED: start: the data folder .* is in use by 'wanxiang start' \\(process ${pid}`, 'm'));
    // The hint never leads to sharing the folder.
    expect(second.stderr).not.toMatch(/INFLUX_URL/);

    expect(await readFile(join(dataDir, 'runtime.json'), 'utf8')).toBe(runtimeBefore);
    for (const [i, name] of segments.entries()) {
      // The same file, not one recreated under its name (a segment the first rolled past may be gone by its own hand).
      const now = await stat(join(dataDir, 'spool', name)).catch(() => undefined);
      if (now) expect(now.ino).toBe(inodes[i]);
    }
    const ackBefore = await ackOf(dataDir);
    await until(async () => (await ackOf(dataDir)) !== ackBefore, 'the first platform\'s acknowledgements to advance');
    expect(first.output()).not.toMatch(/ENOENT/);
  });

  it('a second start leaves the running folder\'s registry as it is, though the seeds hold a device it lacks (red team 5)', async () => {
    const registryPath = join(dataDir, 'devices.json');
    const registry = await loadRegistryFile(registryPath);
    // Without this device the installation is one a start would update (it adds what the seeds gained).
    await writeFile(registryPath, JSON.stringify({ ...registry, devices: registry.devices.filter((device) => device.id !== registry.devices.at(-1)!.id) }), { mode: 0o600 });
    const before = await readFile(registryPath, 'utf8');
    const second = await runCli(['start', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '' });
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toMatch(/^WX_ERR_DATA_DIR_LOCKED: start: /m);
    expect(await readFile(registryPath, 'utf8')).toBe(before);
  });

  it('backfill without --url on the running folder is refused too', async () => {
    const run = await runCli(['backfill', '--from', '2025-01-01', '--to', '2025-01-02', '--devices', '1', '--data-dir', dataDir], { INFLUX_URL: '' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_DATA_DIR_LOCKED: backfill: /m);
    expect(await exists(join(dataDir, 'runtime.json'))).toBe(true);
  });

  it('a lock left by a process that is gone is taken over; a live one is not, and each run removes only its own', async () => {
    const folder = join(work, 'stale');
    await mkdir(folder, { recursive: true });
    // PID 2^22 + 1 is above Linux's pid_max limit: no such process can exist.
    await writeFile(folderLockPath(folder), JSON.stringify({ pid: 4_194_305, command: 'start', startedAt: 'then' }));
    const lock = await lockDataFolder(folder, 'test');
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'test' });
    await expect(lockDataFolder(folder, 'again')).rejects.toMatchObject({ code: 'WX_ERR_DATA_DIR_LOCKED' });
    await lock.release();
    expect(await exists(lock.path)).toBe(false);
    // The running platform's lock names it.
    expect(JSON.parse(await readFile(folderLockPath(dataDir), 'utf8'))).toMatchObject({ pid: first.child.pid, command: 'start' });
  });

  it('keeps the data folder 0700 and its files 0600: registry, fleet key, spool, runtime.json, dead-letter (issue 18, item 17)', async () => {
    const fleetKey = (await readFile(join(dataDir, 'fleet-key'), 'utf8')).trim();
    const device = (await loadRegistryFile(join(dataDir, 'devices.json'))).devices.find((d) => d.family === 'noise')!;
    const topics = createTopics('luohu');
    const { mqttUrl } = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { mqttUrl: string };
    const client = await connectDevice(device, { url: mqttUrl, fleetKey, topics }, { reconnectPeriod: 0 });
    await client.publishAsync(topics.build(device.family, device.id, 'telemetry'), '{"not json', { qos: 1 });
    await disconnectDevice(client, device, topics);
    await until(() => exists(join(dataDir, 'dead-letter', 'dead-letter.ndjson')), 'the dead-letter file');
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    for (const folder of [dataDir, join(dataDir, 'spool'), join(dataDir, 'dead-letter'), join(dataDir, 'influxdb')]) expect(await mode(folder), folder).toBe(0o700);
    const segments = (await readdir(join(dataDir, 'spool'))).filter((name) => name.endsWith('.seg')).map((name) => join(dataDir, 'spool', name));
    for (const file of ['devices.json', 'fleet-key', 'runtime.json', 'wanxiang.lock', 'spool/ack', 'dead-letter/dead-letter.ndjson'].map((name) => join(dataDir, name)).concat(segments)) {
      expect(await mode(file), file).toBe(0o600);
    }
  });

  it('refuses a fleet key shorter than 32 characters for a start beyond loopback', async () => {
    const run = await runCli(['start', '--no-simulate', '--host', '0.0.0.0', '--data-dir', join(work, 'short-key'), '--influx-url', 'http://127.0.0.1:1'], { WX_FLEET_KEY: 'password', WX_API_TOKENS: 'admin:0123456789abcdef0123,operator:0123456789abcdef0124' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_INSECURE_LISTEN: start: .* a fleet key of 8 characters: WX_FLEET_KEY must have 32 characters or more/m);
  });
});
