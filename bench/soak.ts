/**
 * npm run soak: devices publish at QoS 1 while InfluxDB is killed in the middle and started
 * again; prints sent, acknowledged, landed, rejected, duplicates, the spool's largest size
 * and the time to drain after InfluxDB returns.
 * SOAK_DEVICES (default 100), SOAK_INTERVAL_MS (200), SOAK_SECONDS (60), SOAK_OUTAGE_SECONDS (20).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { createPlatform } from '../services/platform.ts';
import { freePort, startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { createTopics } from '../services/topics.ts';
import { landedPerDevice, startAckedLoad } from '../simulators/acked-load.ts';

const devicesWanted = Number(process.env.SOAK_DEVICES ?? 100);
const intervalMs = Number(process.env.SOAK_INTERVAL_MS ?? 200);
const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const outageSeconds = Number(process.env.SOAK_OUTAGE_SECONDS ?? 20);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = await mkdtemp(join(tmpdir(), 'wanxiang-soak-'));
const port = await freePort();
let influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb'), port });
const config = parseConfig({
  dataDir: dir, logLevel: 'silent',
  mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 },
  influx: { url: influxd.url, database: 'soak' }, ingest: { retryMaxDelayMs: 1_000 },
  simulate: { enabled: false }, rollups: { enabled: false },
});
const platform = createPlatform(config, createLogger('silent'));
const endpoints = await platform.start();
const devices = platform.registry.devices.slice(0, devicesWanted);
let maxSpoolBytes = 0;
const sampler = setInterval(() => (maxSpoolBytes = Math.max(maxSpoolBytes, platform.ingest.spool.usedBytes)), 100);
const load = await startAckedLoad({ url: endpoints.mqttUrl, fleetKey: config.fleetKey, topics: createTopics(config.mqtt.topicPrefix), devices, intervalMs });
process.stdout.write(`soak: ${devices.length} devices every ${intervalMs} ms for ${seconds} s; InfluxDB killed for ${outageSeconds} s in the middle\n`);

const before = (seconds - outageSeconds) / 2;
await sleep(before * 1_000);
process.kill(influxd.pid, 'SIGKILL');
process.stdout.write(`  t=${before}s InfluxDB killed (sent ${load.sent}, acknowledged ${load.ackedCount})\n`);
await sleep(outageSeconds * 1_000);
influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb'), port });
const back = performance.now();
process.stdout.write(`  t=${before + outageSeconds}s InfluxDB back (sent ${load.sent}, acknowledged ${load.ackedCount}, spool ${(platform.ingest.spool.usedBytes / 1_048_576).toFixed(1)} MiB)\n`);
let drainedAfterMs: number | null = null;
const drainWatch = setInterval(() => {
  if (drainedAfterMs === null && platform.ingest.spool.unacknowledgedRecords < devices.length) drainedAfterMs = performance.now() - back;
}, 20);
await sleep(before * 1_000);
await load.stop();
await platform.ingest.drain();
clearInterval(drainWatch);
clearInterval(sampler);

const landedByDevice = await landedPerDevice(platform.influx, devices);
const landed = [...landedByDevice.values()].reduce((a, b) => a + b, 0);
const metric = async (name: string) => ((await platform.metrics.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((sum, value) => sum + value.value, 0);
const received = await metric('wanxiang_readings_received_total');
const rejected = await metric('wanxiang_readings_rejected_total');
const lostAcked = devices.reduce((sum, device) => sum + Math.max(0, load.acked.get(device.id)!.size - (landedByDevice.get(device.id) ?? 0)), 0);
process.stdout.write(
  [
    `  sent          ${load.sent}`,
    `  acknowledged  ${load.ackedCount}`,
    `  landed        ${landed} points in InfluxDB (acknowledged but missing: ${lostAcked})`,
    `  rejected      ${rejected}`,
    `  duplicates    ${received - landed} (received ${received}; a resend lands on the same point)`,
    `  spool max     ${(maxSpoolBytes / 1_048_576).toFixed(2)} MiB`,
    `  drain time    ${drainedAfterMs === null ? 'n/a' : `${(drainedAfterMs / 1_000).toFixed(1)} s`} after InfluxDB came back`,
    '',
  ].join('\n'),
);
await load.close();
await platform.close();
await influxd.stop();
await rm(dir, { recursive: true, force: true });
