import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectDevice } from '../../simulators/device-client.ts';
import { createFleet } from '../../simulators/fleet.ts';
import { startRecorder } from '../../simulators/recorder.ts';
import { replayRecording } from '../../simulators/replay.ts';
import { createLogger } from '../../services/log.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const fixture = fileURLToPath(new URL('../fixtures/device-session.ts', import.meta.url));

describe('presence follows the live sessions and the readings (issue 13, items 10 and 11)', () => {
  let live: TestPlatform;
  let work: string;

  beforeAll(async () => {
    live = await startTestPlatform();
    work = await mkdtemp(join(tmpdir(), 'wanxiang-presence-'));
  });

  afterAll(async () => {
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  const connected = () => live.metric('wanxiang_mqtt_clients_connected');

  it('a SIGKILLed session’s Last Will does not mark offline a device whose other session lives', async () => {
    const device = live.device('air-guiyuan');
    const status = live.topics.build(device.family, device.id, 'status');
    const before = await connected();
    const sessionA = spawn(process.execPath, ['--import', 'tsx', fixture, live.endpoints.mqttUrl, device.id, simulatedDeviceSecret(live.config.fleetKey, device.id), `${device.id}-a`, status], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(createInterface({ input: sessionA.stdout }), 'line');
    const sessionB = await connectDevice(device, { url: live.endpoints.mqttUrl, fleetKey: live.config.fleetKey, topics: live.topics, tool: 'b' }, { reconnectPeriod: 0 });
    expect(await connected()).toBe(before + 2);
    expect(live.platform.ingest.presence.isOnline(device.id)).toBe(true);

    sessionA.kill('SIGKILL');
    await once(sessionA, 'exit');
    await vi.waitFor(async () => expect(await connected()).toBe(before + 1), { timeout: 10_000 });
    expect(live.platform.ingest.presence.isOnline(device.id)).toBe(true);

    await sessionB.publishAsync(live.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ pm25: 21 }), { qos: 1 });
    await live.platform.ingest.drain();
    expect(await live.countPoints('air_quality', `"device" = '${device.id}'`)).toBe(1);
    expect(live.platform.ingest.presence.isOnline(device.id)).toBe(true);

    // The last session dies too: now the Last Will is the truth.
    sessionB.stream.destroy();
    await vi.waitFor(() => expect(live.platform.ingest.presence.isOnline(device.id)).toBe(false), { timeout: 10_000 });
    sessionB.end(true);
  });

  it('a reading is evidence of life: a device marked offline is online again when its reading lands', async () => {
    const device = live.device('air-huangbei');
    const client = await connectDevice(device, { url: live.endpoints.mqttUrl, fleetKey: live.config.fleetKey, topics: live.topics }, { reconnectPeriod: 0 });
    await client.publishAsync(live.topics.build(device.family, device.id, 'status'), 'offline', { qos: 1 });
    expect(live.platform.ingest.presence.isOnline(device.id)).toBe(false);
    await client.publishAsync(live.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ pm25: 30 }), { qos: 1 });
    expect(live.platform.ingest.presence.isOnline(device.id)).toBe(true);
    await client.endAsync(); // clean: no Last Will, and the device's last session ends
    await vi.waitFor(() => expect(live.platform.ingest.presence.isOnline(device.id)).toBe(false));
  });

  it('a replay runs beside the fleet without taking its sessions, and its final offline leaves the fleet online', async () => {
    const devices = live.platform.registry.devices.filter((device) => device.family === 'noise').slice(0, 3);
    const connection = { url: live.endpoints.mqttUrl, fleetKey: live.config.fleetKey, topics: live.topics };
    const fleet = createFleet({ ...connection, devices, seed: 7, log: createLogger('silent'), intervalMs: 100 });
    await fleet.start();
    const path = join(work, 'noise.ndjson.gz');
    const recorder = await startRecorder({ ...connection, username: 'observer', password: simulatedDeviceSecret(live.config.fleetKey, 'observer'), path });
    await vi.waitFor(() => expect(recorder.recorded).toBeGreaterThanOrEqual(12), { timeout: 20_000 });
    await recorder.stop();

    const takeovers = await live.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_SESSION_TAKEOVER' });
    const report = await replayRecording({ ...connection, path, devices: new Map(devices.map((device) => [device.id, device])), speed: Number.POSITIVE_INFINITY, timestamps: 'now' });
    expect(report.sent).toBeGreaterThan(0);
    expect(await live.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_SESSION_TAKEOVER' })).toBe(takeovers);
    expect(fleet.stats().connected).toBe(devices.length);
    for (const device of devices) expect(live.platform.ingest.presence.isOnline(device.id)).toBe(true);
    expect(await live.metric('wanxiang_devices_online')).toBe(live.platform.ingest.presence.online().length);
    await fleet.close();
  });
});
