import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type IConnackPacket } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { defaultSharedGroup } from '../../services/cluster/shared-group.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import type { DeviceRecord, RegistryFile } from '../../services/registry/registry-schema.ts';
import { hashDeviceSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createInfluxClient, type InfluxClient } from '../../services/storage/influx-client.ts';
import { createTopics } from '../../services/topics.ts';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { freePort, runWanxiang, spawnWanxiang, startMosquitto, waitFor } from './servers.ts';

const topics = createTopics('luohu');
const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
const ingestSecret = randomBytes(24).toString('base64url');
const group = defaultSharedGroup(ingestSecret);
const filters = (['telemetry', 'status'] as const).map((kind) => `$share/${group}/${topics.filterAll(kind)}`);
const env = { WX_FLEET_KEY: defaultFleetKey, WX_BROKER_PASSWORD: ingestSecret, WX_LOG_LEVEL: 'info', WX_HTTP_PORT: '' };

/**
 * The workers' session client ids against Debian's mosquitto 2.0.11, with the files `devices export`
 * writes: a device that fits the old ids (`<node id>-<index>`) cannot reach the new ones, and the
 * sessions left under the old ids are taken over at the start without losing what they held.
 */
describe('ingest session client ids out of the devices\' reach', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  let dir = '';
  let seed: RegistryFile;
  let devices: DeviceRecord[] = [];
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let devicesUrl = '';
  let workersUrl = '';
  /** The folder of the files the running mosquitto reads. */
  let liveDir = '';
  const registryPath = () => join(dir, 'devices.json');
  /** Writes the registry and the broker's passwd and acl for it (the live files: mosquitto reads them again on SIGHUP). */
  const exportRegistry = async (registry: RegistryFile, ports: { port: number; ingestPort: number }) => {
    await writeFile(registryPath(), JSON.stringify(registry));
    const out = join(dir, `export-${randomBytes(3).toString('hex')}`);
    const exported = await runWanxiang(['devices', 'export', '--mosquitto', out, '--port', String(ports.port), '--ingest-port', String(ports.ingestPort), '--registry', registryPath()], env);
    expect(exported.code, exported.stderr).toBe(0);
    return out;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-session-ids-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    seed = await loadRegistryFile('seeds/devices.json');
    devices = seed.devices.filter((device) => !device.hj212 && !device.disabled).slice(0, 10);
    const ports = { port: await freePort(), ingestPort: await freePort() };
    liveDir = await exportRegistry({ ...seed, devices }, ports);
    broker = await startMosquitto(join(liveDir, 'mosquitto.conf'), ports.port);
    cleanup.push(() => broker.stop('SIGKILL'));
    devicesUrl = `mqtt://127.0.0.1:${broker.port}`;
    workersUrl = `mqtt://127.0.0.1:${broker.portOf(ports.ingestPort)}`;
  });

  const database = async () => {
    const name = `sids_${randomBytes(4).toString('hex')}`;
    const influx = createInfluxClient({ url: inject('influxUrl'), database: name });
    cleanup.push(() => influx.query(`DROP DATABASE "${name}"`, { database: null }));
    return { name, influx };
  };
  const worker = async (nodeId: string, db: string) => {
    const child = await spawnWanxiang(['ingest', '--broker', workersUrl, '--node-id', nodeId, '--sessions', '2', '--http-port', '0', '--data-dir', join(dir, nodeId)], { ...env, INFLUX_URL: inject('influxUrl'), INFLUX_DB: db, WX_REGISTRY_FILE: registryPath() }, 'Wanxiang ingest is running');
    cleanup.push(async () => child.kill('SIGKILL'));
    return child;
  };
  const stop = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const asIngest = (clientId: string, clean: boolean): IClientOptions => ({ clientId, clean, username: 'wanxiang-ingest', password: ingestSecret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
  /** Whether the broker holds a session for the client id; removed after (the probe's own too). */
  const sessionAt = async (clientId: string) => {
    const probe = mqtt.connect(workersUrl, asIngest(clientId, false));
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      probe.once('connect', resolve);
      probe.once('error', reject);
    });
    await probe.endAsync();
    await (await mqtt.connectAsync(workersUrl, asIngest(clientId, true))).endAsync();
    return connack.sessionPresent;
  };
  const landAll = async (influx: InfluxClient, load: Awaited<ReturnType<typeof startAckedLoad>>, before = 0) => {
    await load.stop();
    expect(load.ackedCount).toBe(load.sent);
    let landed = await landedPerDevice(influx, devices);
    await waitFor(async () => total((landed = await landedPerDevice(influx, devices))) >= before + load.sent, `${before + load.sent} readings in InfluxDB`, 60_000);
    expect(total(landed)).toBe(before + load.sent);
  };

  it('takes over a session left under the old client id: every queued reading lands, and the old session is gone', async () => {
    const { name, influx } = await database();
    // The session an older worker `w1` left: subscribed to the group's filters, then gone.
    const old = await mqtt.connectAsync(workersUrl, asIngest('w1-0', false));
    await old.subscribeAsync(Object.fromEntries(filters.map((filter) => [filter, { qos: 1 as const }])));
    await old.endAsync();
    // Readings the broker acknowledges to the devices and queues for that session, the group's only member.
    const queued = await startAckedLoad({ url: devicesUrl, fleetKey: defaultFleetKey, topics, devices, intervalMs: 100, seed: 3 });
    cleanup.push(() => queued.close());
    await waitFor(() => queued.ackedCount >= 100, '100 readings queued for w1-0', 30_000);
    await queued.stop();
    await queued.close();

    const w1 = await worker('w1', name);
    // The new sessions' client ids; then the old one's, connected once and removed.
    expect(broker.log()).toMatch(/as _wx-ingest\.w1\.0 \(p2, c0/);
    expect(broker.log()).toMatch(/as _wx-ingest\.w1\.1 \(p2, c0/);
    // What it held: the readings, and the devices' status messages (online, and their wills).
    const taken = /old ingest session w1-0 taken over: (\d+) messages spooled, the session removed/.exec(w1.output());
    expect(taken, w1.output().slice(-3_000)).not.toBeNull();
    expect(Number(taken![1])).toBeGreaterThanOrEqual(queued.sent);
    await landAll(influx, queued);

    // Readings after the start all land through the new sessions.
    const later = await startAckedLoad({ url: devicesUrl, fleetKey: defaultFleetKey, topics, devices, intervalMs: 100, seed: 4 });
    cleanup.push(() => later.close());
    await waitFor(() => later.ackedCount >= 100, '100 more readings', 30_000);
    await landAll(influx, later, queued.sent);
    await later.close();
    await stop(w1);
    // No session is left under the old ids, so nothing queues there (w1-1 never had one: the empty
    // session the take-over's connect made is removed too).
    expect(await sessionAt('w1-0')).toBe(false);
    expect(await sessionAt('w1-1')).toBe(false);
    // w1 is retired: its own sessions would go on being dealt a share of the group (the next test's).
    expect(await sessionAt('_wx-ingest.w1.0')).toBe(true);
    expect(await sessionAt('_wx-ingest.w1.1')).toBe(true);
  }, 180_000);

  it('a device added while a worker runs, fitting its old client id, cannot take its sessions; a restart leaves that id alone', async () => {
    const { name, influx } = await database();
    const ports = { port: broker.port, ingestPort: Number(new URL(workersUrl).port) };
    const w = await worker('ingest-a', name);
    expect(broker.log()).toMatch(/as _wx-ingest\.ingest-a\.0 \(p2, c0/);

    // `ingest-a-0` joins the registry and the broker's files (mosquitto reads them again on SIGHUP).
    const sibling = { ...devices[0]!, id: 'ingest-a-0', secretHash: hashDeviceSecret(simulatedDeviceSecret(defaultFleetKey, 'ingest-a-0')) };
    const out = await exportRegistry({ ...seed, devices: [...devices, sibling] }, ports);
    for (const file of ['passwd', 'passwd-readers', 'acl']) await copyFile(join(out, file), join(liveDir, file));
    broker.child.kill('SIGHUP');
    const deviceLogin = (clientId: string, url = devicesUrl) => mqtt.connectAsync(url, { clientId, clean: false, username: 'ingest-a-0', password: simulatedDeviceSecret(defaultFleetKey, 'ingest-a-0'), protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
    // It asks for the worker's client id, with a persistent session. On the devices' listener its
    // client id is its login (`ingest-a-0`, the worker's old one); on the workers' it is refused.
    let device: mqtt.MqttClient | undefined;
    await waitFor(async () => (device = await deviceLogin('_wx-ingest.ingest-a.0').catch(() => undefined)) !== undefined, 'the new device logging in', 10_000);
    cleanup.push(() => device!.endAsync(true));
    let kicked = 0;
    device!.on('close', () => (kicked += 1));
    expect(broker.log()).toMatch(/as ingest-a-0 \(p2, c0, k\d+, u'ingest-a-0'\)/);
    await expect(deviceLogin('_wx-ingest.ingest-a.0', workersUrl)).rejects.toThrow(/Not authorized|Bad username or password/i);

    // The worker keeps its sessions: every reading lands, none is dealt to the device's session.
    const load = await startAckedLoad({ url: devicesUrl, fleetKey: defaultFleetKey, topics, devices, intervalMs: 100, seed: 5 });
    cleanup.push(() => load.close());
    await waitFor(() => load.ackedCount >= 100, '100 readings', 30_000);
    await landAll(influx, load);
    await load.close();
    expect(w.output()).not.toMatch(/broker connection lost; reconnecting/);

    // Restarted with the device registered: no refusal to start, and the old id the device may use is
    // left alone (connecting with it would close the device's session), with a warning naming it.
    await stop(w);
    const again = await worker('ingest-a', name);
    expect(again.output()).toMatch(/old ingest session ingest-a-0 not taken over: the registered device or observer ingest-a-0 may log in with that client id/);
    expect(kicked).toBe(0);
    expect(device!.connected).toBe(true);
    await stop(again);
  }, 180_000);
});
