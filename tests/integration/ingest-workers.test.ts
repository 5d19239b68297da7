import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../services/config.ts';
import { getFamily } from '../../services/families/index.ts';
import { createIngestWorkerPool } from '../../services/ingest/worker-pool.ts';
import { createLogger } from '../../services/log.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Issue 26, item 1: telemetry parsed in ingest worker threads. A worker killed mid-load loses
 * nothing acknowledged (its unacknowledged messages are parsed on the broker's thread), and
 * both paths (workers, and WX_INGEST_WORKERS=0 in the broker's thread) refuse and count alike.
 */
describe('a worker killed under load loses nothing acknowledged', () => {
  let test: TestPlatform;
  const logLines: string[] = [];
  const clients: MqttClient[] = [];
  let devices: DeviceRecord[];
  const perDevice = 150;
  const startMs = Date.now() - 3_600_000;
  let acknowledged = 0;
  let killedAt = -1;

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { workers: 2 } }, { logLines });
    expect(test.platform.ingest.workers?.size).toBe(2);
    devices = test.platform.registry.devices.filter((device) => device.family === 'air' || device.family === 'noise').slice(0, 30);
    for (const device of devices) clients.push(await test.connect(device));
    let killing: Promise<void> | undefined;
    await Promise.all(devices.map(async (device, index) => {
      const topic = test.topics.build(device.family, device.id, 'telemetry');
      for (let k = 0; k < perDevice; k += 1) {
        const timeMs = startMs + k * 1_000;
        // Some messages carry a batch of two readings, so batches of several messages a turn reach the workers.
        const payload = k % 5 === 0
          ? [{ ts: timeMs, ...generateReading(3, device, timeMs) }, { ts: timeMs + 500, ...generateReading(3, device, timeMs + 500) }]
          : { ts: timeMs, ...generateReading(3, device, timeMs) };
        await clients[index]!.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
        acknowledged += 1;
        // Mid-load, both workers in turn, while the other devices' messages are in flight.
        if (acknowledged === 1_000) killing = test.platform.ingest.workers!.kill(0).then(() => void (killedAt = acknowledged));
        if (acknowledged === 2_500) killing = killing!.then(() => test.platform.ingest.workers!.kill(1));
      }
    }));
    await killing;
    await test.platform.ingest.drain();
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await test?.close();
  });

  it('every acknowledged reading is in InfluxDB, the killed workers replaced', async () => {
    expect(acknowledged).toBe(devices.length * perDevice);
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(acknowledged);
    const readings = devices.length * perDevice + devices.length * (perDevice / 5);
    let landed = 0;
    for (const family of ['air', 'noise'] as const) landed += await test.countPoints(getFamily(family).measurement);
    expect(landed).toBe(readings);
    expect(await test.metric('wanxiang_readings_written_total')).toBe(readings);
    expect(await test.metric('wanxiang_readings_rejected_total')).toBe(0);
    expect(logLines.filter((line) => line.includes('ingest worker stopped')).length).toBe(2);
    // The replacements work: one more message a device after the kills lands.
    for (const [index, device] of devices.entries()) {
      const timeMs = startMs + perDevice * 1_000;
      await clients[index]!.publishAsync(test.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts: timeMs, ...generateReading(3, device, timeMs) }), { qos: 1 });
    }
    await test.platform.ingest.drain();
    expect(await test.metric('wanxiang_readings_written_total')).toBe(readings + devices.length);
  });
});

describe.each([
  ['in ingest workers', 2],
  ['in the broker thread (WX_INGEST_WORKERS=0)', 0],
])('refusals %s', (_label, workers) => {
  let test: TestPlatform;
  let client: MqttClient;
  let topic: string;
  const baseMs = Date.now() - 600_000;

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { workers } });
    expect(test.platform.ingest.workers?.size).toBe(workers === 0 ? undefined : workers);
    const device = test.device('air-dongmen');
    client = await test.connect(device);
    topic = test.topics.build('air', device.id, 'telemetry');
  });

  afterAll(async () => {
    client?.end(true);
    await test?.close();
  });

  it('codes and counts each bad reading, keeps the good ones and their order', async () => {
    const rejected = (reason: string) => test.metric('wanxiang_readings_rejected_total', { reason });
    await client.publishAsync(topic, '{"pm25": 12,', { qos: 1 });
    await client.publishAsync(topic, JSON.stringify([{ ts: baseMs, pm25: 10 }, { ts: baseMs + 1_000, pm25: 5_000 }, { ts: baseMs + 2_000, pm25: 12, benzene: 3 }, { ts: baseMs + 3_000, pm25: 11 }]), { qos: 1 });
    for (let k = 0; k < 20; k += 1) await client.publishAsync(topic, JSON.stringify({ ts: baseMs + 10_000 + k, pm25: 20 + k }), { qos: 1 });
    await test.platform.ingest.drain();
    expect(await rejected('WX_ERR_MALFORMED_JSON')).toBe(1);
    expect(await rejected('WX_ERR_OUT_OF_RANGE')).toBe(1);
    expect(await rejected('WX_ERR_UNKNOWN_FIELD')).toBe(1);
    expect(await test.countPoints('air_quality')).toBe(22);
    const lastPm25 = await test.platform.influx.query('SELECT LAST("pm25_ugm3") FROM "air_quality"');
    expect(lastPm25[0]!.values[0]![1]).toBe(39);
  });

  it('puts a status in the spool after the telemetry the device sent before it', async () => {
    // With workers the telemetry comes back from a worker later; the status, handled here at once,
    // once went into the spool first. Each accept settles when its record is in the spool.
    const statusTopic = test.topics.build('air', 'air-dongmen', 'status');
    const at = Date.now();
    const settled: string[] = [];
    const message = (topicOf: string, payload: string, k: number) => ({ topic: topicOf, payload: Buffer.from(payload), receivedAtMs: at + k });
    await Promise.all([
      test.platform.ingest.accept(message(topic, JSON.stringify({ ts: at - 5_000, pm25: 30 }), 0)).then(() => settled.push('telemetry 1')),
      test.platform.ingest.accept(message(statusTopic, 'online', 1)).then(() => settled.push('status 1')),
      test.platform.ingest.accept(message(topic, JSON.stringify({ ts: at - 4_000, pm25: 31 }), 2)).then(() => settled.push('telemetry 2')),
      test.platform.ingest.accept(message(statusTopic, 'online', 3)).then(() => settled.push('status 2')),
      test.platform.ingest.accept(message(topic, JSON.stringify({ ts: at - 3_000, pm25: 32 }), 4)).then(() => settled.push('telemetry 3')),
    ]);
    expect(settled).toEqual(['telemetry 1', 'status 1', 'telemetry 2', 'status 2', 'telemetry 3']);
  });
});

describe('the worker pool, killed with a batch in flight', () => {
  it('parses the dead worker\'s messages in this thread, in order, and keeps going with a new worker', async () => {
    const logLines: string[] = [];
    const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
    const limits = { ...parseConfig({}).ingest, maxPayloadBytes: 65_536 };
    const pool = createIngestWorkerPool({ size: 1, limits, log });
    await pool.start();
    const registry = await loadRegistryFile(parseConfig({}).registryFile);
    const device = registry.devices.find((record) => record.family === 'air')!;
    const receivedAtMs = Date.now();
    const message = (k: number) => ({ topic: 'x', payload: Buffer.from(JSON.stringify({ ts: receivedAtMs - 1_000 + k, pm25: k % 500 })), receivedAtMs });
    const first = Array.from({ length: 200 }, (_, k) => pool.parse(message(k), device));
    // The batch is posted on the next turn; the worker is stopped as soon as it is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    await pool.kill(0);
    const outcomes = await Promise.all(first);
    expect(outcomes.map((outcome) => outcome.record?.split(' ').at(-1))).toEqual(Array.from({ length: 200 }, (_, k) => String(receivedAtMs - 1_000 + k)));
    expect(logLines.some((line) => line.includes('ingest worker stopped') && line.includes('"batches":1'))).toBe(true);
    // The replacement takes the next messages.
    const after = await pool.parse(message(7), device);
    expect(after.lines).toBe(1);
    await pool.close();
  }, 60_000);

  it('stops a stuck worker: its messages are parsed here after stallMs, in order, and a new worker takes the next', async () => {
    const logLines: string[] = [];
    const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
    const limits = { ...parseConfig({}).ingest, maxPayloadBytes: 65_536 };
    const pool = createIngestWorkerPool({ size: 1, limits, log, stallMs: 300 });
    await pool.start();
    const registry = await loadRegistryFile(parseConfig({}).registryFile);
    const device = registry.devices.find((record) => record.family === 'air')!;
    const receivedAtMs = Date.now();
    const message = (k: number) => ({ topic: 'x', payload: Buffer.from(JSON.stringify({ ts: receivedAtMs - 1_000 + k, pm25: k % 500 })), receivedAtMs });
    // Busy for a minute: without the watchdog these messages would wait that long, their PUBACKs with them.
    pool.stall(0, 60_000);
    const startedAt = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, k) => pool.parse(message(k), device)));
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(outcomes.map((outcome) => outcome.record?.split(' ').at(-1))).toEqual(Array.from({ length: 50 }, (_, k) => String(receivedAtMs - 1_000 + k)));
    expect(logLines.some((line) => line.includes('ingest worker stuck'))).toBe(true);
    await expect.poll(async () => (await pool.parse(message(7), device)).lines, { timeout: 10_000 }).toBe(1);
    await pool.close();
  }, 60_000);
});
