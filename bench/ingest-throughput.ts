/**
 * npm run bench: N simulated devices publish over real TCP with QoS 1 into the platform
 * backed by a real InfluxDB; prints readings/s that landed (counted in InfluxDB), the raw
 * InfluxDB write ceiling for the same points posted directly, and the ratio.
 * BENCH_DEVICES (default all 103 registry devices), BENCH_READINGS per device (default 1,000),
 * BENCH_BATCH readings per message (default 1: one reading a message, the hardest case).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { parseConfig } from '../services/config.ts';
import { getFamily } from '../services/families/index.ts';
import { readingToPoint } from '../services/ingest/to-point.ts';
import { createLogger } from '../services/log.ts';
import { createPlatform } from '../services/platform.ts';
import { createInfluxClient, type InfluxClient } from '../services/storage/influx-client.ts';
import { startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { encodePoint } from '../services/storage/line-protocol.ts';
import { createTopics } from '../services/topics.ts';
import { connectDevice } from '../simulators/device-client.ts';
import { generateReading } from '../simulators/generate-reading.ts';

const readingsPerDevice = Number(process.env.BENCH_READINGS ?? 1_000);
const inFlightPerDevice = 20;
const readingsPerMessage = Number(process.env.BENCH_BATCH ?? 1);
const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-bench-'));
const influxd = process.env.INFLUX_URL ? undefined : await startLocalInfluxd({ dataDir: join(dataDir, 'influxdb') });
const influxUrl = process.env.INFLUX_URL ?? influxd!.url;

async function countAll(client: InfluxClient, measurements: string[]): Promise<number> {
  let total = 0;
  for (const measurement of measurements) {
    const series = await client.query(`SELECT COUNT("recv_lag_ms") FROM "${measurement}"`);
    total += Number(series[0]?.values[0]?.[1] ?? 0);
  }
  return total;
}

const config = parseConfig({
  dataDir,
  logLevel: 'silent',
  mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 },
  http: { host: '127.0.0.1', port: 0 },
  influx: { url: influxUrl, database: 'bench_platform' },
  simulate: { enabled: false },
});
const platform = createPlatform(config, createLogger('silent'));
const endpoints = await platform.start();
const topics = createTopics(config.mqtt.topicPrefix);
const devices = platform.registry.devices.slice(0, Number(process.env.BENCH_DEVICES ?? platform.registry.devices.length));
const measurements = [...new Set(devices.map((device) => getFamily(device.family).measurement))];
const total = devices.length * readingsPerDevice;

// Prepare every payload first so that the timed part measures the platform, not the generator.
const startMs = Date.now() - 3_600_000;
const payloads = devices.map((device) =>
  Array.from({ length: readingsPerDevice }, (_, k) => ({ ts: startMs + k * 100, ...generateReading(42, device, startMs + k * 100) })),
);

const clients: MqttClient[] = [];
for (const device of devices) clients.push(await connectDevice(device, { url: endpoints.mqttUrl, fleetKey: config.fleetKey, topics }));
process.stdout.write(`bench: ${devices.length} devices, ${readingsPerDevice} readings each, ${readingsPerMessage} a message, QoS 1, InfluxDB ${endpoints.influxVersion}\n`);

const started = performance.now();
await Promise.all(
  devices.map(async (device, index) => {
    const topic = topics.build(device.family, device.id, 'telemetry');
    const client = clients[index]!;
    const window = new Set<Promise<unknown>>();
    const mine = payloads[index]!;
    for (let i = 0; i < mine.length; i += readingsPerMessage) {
      const body = readingsPerMessage === 1 ? mine[i] : mine.slice(i, i + readingsPerMessage);
      const publish = client.publishAsync(topic, JSON.stringify(body), { qos: 1 }).finally(() => window.delete(publish));
      window.add(publish);
      if (window.size >= inFlightPerDevice) await Promise.race(window);
    }
    await Promise.all(window);
  }),
);
const acknowledgedMs = performance.now() - started;
// Wait until every reading is in InfluxDB or was rejected (the run says which).
const rejectedCount = async () => (await platform.metrics.readingsRejected.get()).values.reduce((sum, value) => sum + value.value, 0);
let landed = await countAll(platform.influx, measurements);
while (landed + (await rejectedCount()) < total) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (process.env.BENCH_DEBUG) process.stderr.write(`landed ${landed}/${total} queued ${platform.ingest.queuedReadings} rejected ${JSON.stringify(platform.ingest.rejections.byDevice()).slice(0, 200)}\n`);
  landed = await countAll(platform.influx, measurements);
}
const platformMs = performance.now() - started;
const rssMb = process.memoryUsage().rss / 1_048_576;
await Promise.all(clients.map((client) => client.endAsync()));
await platform.close();

// The ceiling: the same points, encoded once, posted straight to /write in 5,000-line batches, two at a time.
const raw = createInfluxClient({ url: influxUrl, database: 'bench_raw' });
await raw.ensureDatabase('INF');
const lines = devices.flatMap((device, index) =>
  payloads[index]!.map(({ ts, ...values }) =>
    encodePoint(readingToPoint({ family: device.family, deviceId: device.id, timeMs: ts, receivedAtMs: ts + 5, values }, device)),
  ),
);
const batches: string[] = [];
for (let i = 0; i < lines.length; i += 5_000) batches.push(lines.slice(i, i + 5_000).join('\n'));
const rawStarted = performance.now();
let next = 0;
await Promise.all([0, 1].map(async () => {
  while (next < batches.length) await raw.write(batches[next++]!);
}));
const rawMs = performance.now() - rawStarted;
const rawLanded = await countAll(raw, measurements);

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1_000);
process.stdout.write(
  [
    `platform: ${landed} readings landed (${total - landed} rejected) in ${(platformMs / 1_000).toFixed(2)} s = ${perSecond(landed, platformMs)} readings/s (all acknowledged after ${(acknowledgedMs / 1_000).toFixed(2)} s)`,
    `raw InfluxDB /write: ${rawLanded} points in ${(rawMs / 1_000).toFixed(2)} s = ${perSecond(rawLanded, rawMs)} points/s`,
    `ratio platform / raw: ${(perSecond(landed, platformMs) / perSecond(rawLanded, rawMs)).toFixed(2)}`,
    `process RSS after the run: ${rssMb.toFixed(0)} MiB`,
    '',
  ].join('\n'),
);
for (const database of ['bench_platform', 'bench_raw']) await raw.query(`DROP DATABASE "${database}"`, { database: null });
await influxd?.stop();
await rm(dataDir, { recursive: true, force: true });
