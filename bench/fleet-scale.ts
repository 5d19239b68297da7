/**
 * npm run bench:fleet: 10,000 simulated devices (BENCH_FLEET_DEVICES) connect to the
 * platform over real TCP from a separate `wanxiang simulate` process and report every
 * BENCH_FLEET_INTERVAL_MS (default 10 s) for BENCH_FLEET_SECONDS (default 60). Prints
 * connect time, readings/s landed in InfluxDB, and the memory of both processes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../services/config.ts';
import { familyIds, getFamily } from '../services/families/index.ts';
import { createLogger } from '../services/log.ts';
import { createPlatform } from '../services/platform.ts';
import { loadRegistryFile } from '../services/registry/device-registry.ts';
import { scaleRegistry } from '../simulators/scaled-registry.ts';

const devices = Number(process.env.BENCH_FLEET_DEVICES ?? 10_000);
const intervalMs = Number(process.env.BENCH_FLEET_INTERVAL_MS ?? 10_000);
const seconds = Number(process.env.BENCH_FLEET_SECONDS ?? 60);
const dir = await mkdtemp(join(tmpdir(), 'wanxiang-fleet-'));
const registryFile = join(dir, 'devices.json');

let started = performance.now();
const config0 = parseConfig({});
const registry = await scaleRegistry(await loadRegistryFile('seeds/devices.json'), devices, config0.fleetKey);
await writeFile(registryFile, JSON.stringify(registry));
process.stdout.write(`fleet bench: registry of ${devices} devices hashed in ${((performance.now() - started) / 1_000).toFixed(1)} s\n`);

const config = parseConfig({
  dataDir: dir,
  registryFile,
  logLevel: 'silent',
  mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 },
  http: { host: '127.0.0.1', port: 0 },
  influx: { url: process.env.INFLUX_URL, database: 'bench_fleet' },
  simulate: { enabled: false },
});
const platform = createPlatform(config, createLogger('silent'));
const endpoints = await platform.start();
let platformRssPeak = 0;
const sampler = setInterval(() => (platformRssPeak = Math.max(platformRssPeak, process.memoryUsage().rss)), 500);

started = performance.now();
const child = spawn(process.execPath, ['bin/wanxiang.js', 'simulate', '--url', endpoints.mqttUrl, '--interval', String(intervalMs), '--duration', String(seconds), '--seed', '1'], {
  env: { ...process.env, WX_REGISTRY_FILE: registryFile, WX_LOG_LEVEL: 'error' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let childOut = '';
let connectLine = '';
child.stdout.on('data', (chunk: Buffer) => (childOut += chunk.toString()));
child.stderr.on('data', (chunk: Buffer) => {
  const text = chunk.toString();
  const connected = text.match(/\[simulate\] \d+ devices connected in [\d.]+ s/);
  if (connected) connectLine = connected[0];
  process.stderr.write(text);
});
const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
const fleetMs = performance.now() - started;
clearInterval(sampler);
await platform.ingest.drain();

let landed = 0;
for (const family of familyIds) {
  const series = await platform.influx.query(`SELECT COUNT("recv_lag_ms") FROM "${getFamily(family).measurement}"`);
  landed += Number(series[0]?.values[0]?.[1] ?? 0);
}
const stats = JSON.parse(childOut.trim().split('\n').at(-1) ?? '{}') as { published?: number; connected?: number; rssMb?: number; connectMs?: number };
const reportingSeconds = seconds;
process.stdout.write(
  [
    `fleet bench: simulate exited ${exitCode} after ${(fleetMs / 1_000).toFixed(1)} s`,
    `  ${connectLine || 'connect time not reported'}`,
    `  published ${stats.published}, landed in InfluxDB ${landed}, ${Math.round(landed / reportingSeconds)} readings/s over the ${reportingSeconds} s run (expected about ${Math.round(devices / (intervalMs / 1_000))}/s)`,
    `  platform process RSS peak ${(platformRssPeak / 1_048_576).toFixed(0)} MiB; simulator process RSS ${stats.rssMb?.toFixed(0)} MiB`,
    '',
  ].join('\n'),
);
await platform.close();
await rm(dir, { recursive: true, force: true });
