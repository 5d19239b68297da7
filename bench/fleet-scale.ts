/**
 * npm run bench:fleet: BENCH_FLEET_DEVICES (default 10,000) devices log in to the platform
 * at once, as after a platform restart, from the bench's load generator (raw MQTT over TCP,
 * BENCH_FLEET_CONNECT_CONCURRENCY connections opening at a time, default 200), then each
 * publishes one reading. Prints the connect time, the platform's RSS per connection (after
 * a garbage collection, before and with every device connected) and what landed. The
 * platform runs in its own process against its own influxd.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../services/config.ts';
import { loadRegistryFile } from '../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../services/registry/secrets.ts';
import { startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { createTopics } from '../services/topics.ts';
import { scaleRegistry } from '../simulators/scaled-registry.ts';
import type { LoadMessage } from './load-generator.ts';
import type { PlatformReply } from './platform-child.ts';
import { ask, exited, forkTs } from './lib/children.ts';

const count = Number(process.env.BENCH_FLEET_DEVICES ?? 10_000);
const connectConcurrency = Number(process.env.BENCH_FLEET_CONNECT_CONCURRENCY ?? 200);
const out = (line: string) => process.stdout.write(`${line}\n`);
const dir = await mkdtemp(join(tmpdir(), 'wanxiang-fleet-'));
const influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb') });
// A failed run must not leave its influxd behind.
process.once('exit', () => void (existsSync(`/proc/${influxd.pid}`) && process.kill(influxd.pid, 'SIGTERM')));
const { fleetKey } = parseConfig({});
const topics = createTopics('luohu');

let started = performance.now();
const registry = await scaleRegistry(await loadRegistryFile(parseConfig({}).registryFile), count, fleetKey);
const registryFile = join(dir, 'devices.json');
await writeFile(registryFile, JSON.stringify(registry));
out(`fleet bench: registry of ${count} devices hashed in ${((performance.now() - started) / 1_000).toFixed(2)} s`);

const platform = forkTs('bench/platform-child.ts', ['--expose-gc', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : [])]);
const { endpoints } = await ask<Extract<PlatformReply, { type: 'started' }>>(platform, {
  dataDir: join(dir, 'platform'), registryFile, logLevel: 'silent',
  mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 },
  influx: { url: influxd.url, database: 'bench_fleet' }, simulate: { enabled: false }, rollups: { enabled: false },
}, 'started');
type Stats = Extract<PlatformReply, { type: 'stats' }>;
const stats = (gc = false) => ask<Stats>(platform, { type: 'stats', gc }, 'stats');
const idle = await stats(true);

const generator = forkTs('bench/load-generator.ts');
started = performance.now();
const ready = await ask<Extract<LoadMessage, { type: 'ready' }>>(generator, {
  host: '127.0.0.1', port: Number(new URL(endpoints.mqttUrl).port), seed: 1, connectConcurrency,
  devices: registry.devices.map((record) => ({ record, topic: topics.build(record.family, record.id, 'telemetry'), password: simulatedDeviceSecret(fleetKey, record.id) })),
  messagesPerDevice: 1, readingsPerMessage: 1, inFlight: 1, firstTsMs: Date.now() - 60_000, stepMs: 1,
}, 'ready');
const connected = await stats(true);
const done = await ask<Extract<LoadMessage, { type: 'done' }>>(generator, { type: 'go' }, 'done');
await exited(generator);
let after = await stats();
while (after.written < count) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  after = await stats();
}
const perConnectionKiB = (connected.rssBytes - idle.rssBytes) / 1_024 / count;
out(`  ${count} devices connected in ${(ready.connectMs / 1_000).toFixed(2)} s (${connectConcurrency} logins in flight; SHA-256 device hashes)`);
out(`  platform RSS ${(idle.rssBytes / 1_048_576).toFixed(0)} MiB idle, ${(connected.rssBytes / 1_048_576).toFixed(0)} MiB with every device connected = ${perConnectionKiB.toFixed(1)} KiB a connection (after GC)`);
out(`  one reading from each: ${done.acked} acknowledged in ${(done.elapsedMs / 1_000).toFixed(2)} s, ${after.written} written to InfluxDB`);
await ask(platform, { type: 'close' }, 'closed');
await exited(platform);
await influxd.stop();
await rm(dir, { recursive: true, force: true });
out(`  (${((performance.now() - started) / 1_000).toFixed(1)} s in all)`);
