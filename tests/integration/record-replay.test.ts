import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFamily } from '../../services/families/index.ts';
import { createLogger } from '../../services/log.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createFleet } from '../../simulators/fleet.ts';
import { startRecorder } from '../../simulators/recorder.ts';
import { loadRecording, payloadOf } from '../../simulators/recording.ts';
import { replayRecording, type ReplayReport } from '../../simulators/replay.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface Recorded { ts: number; values: Record<string, number> }

describe('record a live district, replay it at ×60', () => {
  let live: TestPlatform;
  let target: TestPlatform;
  let dir: string;
  let path: string;
  const recorded = new Map<string, Recorded[]>();
  let firstMs = 0;
  let lastMs = 0;
  /** The last receipt time the recording holds (its `t`, which the replay shifts by; a reading's own `ts` is earlier). */
  let lastReceivedMs = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-rec-'));
    path = join(dir, 'live.ndjson.gz');
    live = await startTestPlatform();
    const devices = live.platform.registry.devices.filter((_, index) => index % 10 === 0);
    const recorder = await startRecorder({ url: live.endpoints.mqttUrl, username: 'observer', password: simulatedDeviceSecret(live.config.fleetKey, 'observer'), topics: live.topics, path });
    const fleet = createFleet({ url: live.endpoints.mqttUrl, fleetKey: live.config.fleetKey, topics: live.topics, devices, seed: 11, log: createLogger('silent'), intervalMs: 250 });
    await fleet.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await fleet.close();
    await live.platform.ingest.drain();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the observer's last deliveries
    await recorder.stop();

    const { messages } = await loadRecording(path);
    for (const message of messages.filter((m) => m.topic.endsWith('/telemetry'))) {
      const { ts, ...values } = JSON.parse(payloadOf(message).toString()) as { ts: number } & Record<string, number>;
      const device = message.topic.split('/')[3]!;
      recorded.set(device, [...(recorded.get(device) ?? []), { ts, values }]);
    }
    const times = [...recorded.values()].flat().map((entry) => entry.ts);
    firstMs = Math.min(...times);
    lastMs = Math.max(...times);
    lastReceivedMs = Math.max(...messages.map((message) => message.t));
    target = await startTestPlatform();
  });

  afterAll(async () => {
    await live?.close();
    await target?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const replay = (timestamps: 'original' | 'now', families?: Set<'air' | 'water' | 'grid' | 'parking' | 'noise'>): Promise<ReplayReport> =>
    replayRecording({
      url: target.endpoints.mqttUrl,
      fleetKey: target.config.fleetKey,
      topics: target.topics,
      path,
      devices: new Map(target.platform.registry.devices.map((device) => [device.id, device])),
      speed: 60,
      timestamps,
      families,
    });

  it('records what the devices sent, with receive times', async () => {
    const { header, messages } = await loadRecording(path);
    expect(header.format).toBe('wanxiang-recording');
    expect(recorded.size).toBeGreaterThanOrEqual(9);
    expect(messages.some((message) => message.topic.endsWith('/status'))).toBe(true);
    expect(messages.every((message, i) => i === 0 || message.t >= messages[i - 1]!.t)).toBe(true);
  });

  it('lands the same readings, per device and value, at the original timestamps', async () => {
    const report = await replay('original');
    await target.platform.ingest.drain();
    expect(report.sent).toBe([...recorded.values()].reduce((sum, list) => sum + list.length, 0));
    // ×60 compresses ~3 s of recorded time into well under a second
    expect(report.durationMs).toBeLessThan(3_000);
    for (const [deviceId, readings] of recorded) {
      const device = target.device(deviceId);
      const family = target.platform.registry.device(deviceId)!.family;
      const measurement = getFamily(family).measurement;
      const series = await target.platform.influx.query(`SELECT * FROM "${measurement}" WHERE "device" = '${device.id}' AND time >= ${firstMs}ms AND time <= ${lastMs}ms`);
      const rows = series[0]!.values.map((row) => Object.fromEntries(series[0]!.columns.map((column, i) => [column, row[i]])));
      expect(rows, deviceId).toHaveLength(readings.length);
      for (const reading of readings) {
        const row = rows.find((candidate) => candidate.time === reading.ts)!;
        expect(row, `${deviceId} at ${reading.ts}`).toBeDefined();
        const fields = getFamily(family).fields;
        for (const [key, value] of Object.entries(reading.values)) expect(row[fields[key]!.field]).toBe(value);
      }
    }
  });

  it('shifts the timestamps so that the recording ends now, and replays only the families asked', async () => {
    const before = Date.now();
    const report = await replay('now', new Set(['air']));
    await target.platform.ingest.drain();
    expect(report.skipped.filtered).toBeGreaterThan(0);
    // Shifted so that the last replayed message's receipt is now: by at least now − the last receipt
    // recorded (receipts, not the readings' own times, which came up to a loaded machine's delay earlier).
    expect(report.timeShiftMs).toBeGreaterThanOrEqual(before - lastReceivedMs);
    const air = [...recorded.entries()].filter(([id]) => id.startsWith('air-'));
    for (const [deviceId, readings] of air) {
      for (const reading of readings) {
        // InfluxQL takes no OR between time conditions: one query per shifted reading.
        expect(await target.countPoints('air_quality', `"device" = '${deviceId}' AND time = ${reading.ts + report.timeShiftMs}ms`), deviceId).toBe(1);
      }
    }
    expect(report.sent).toBe(air.reduce((sum, [, list]) => sum + list.length, 0));
  });

  it('skips a device the broker does not let in, names it, replays the rest and leaves no session behind', async () => {
    const refused = [...recorded.keys()].find((id) => id.startsWith('air-'))!;
    const file = target.platform.registry.file;
    target.platform.registry.replace({ ...file, devices: file.devices.map((device) => (device.id === refused ? { ...device, disabled: true } : device)) });
    try {
      const report = await replay('now');
      await target.platform.ingest.drain();
      expect(report.refusedDevices[refused]).toMatch(/Not authorized|disabled|5/i);
      expect(report.skipped.notConnected).toBe(recorded.get(refused)!.length);
      expect(report.byDevice[refused]).toBeUndefined();
      const others = [...recorded.entries()].filter(([id]) => id !== refused);
      expect(report.sent).toBe(others.reduce((sum, [, list]) => sum + list.length, 0));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await target.metric('wanxiang_mqtt_clients_connected')).toBe(0);
    } finally {
      target.platform.registry.replace(file);
    }
  });
});
