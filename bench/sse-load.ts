/**
 * npm run bench:sse: the ingest rate of a platform started as `npm start` starts it (simulated
 * district running) under a load publisher, with 0 and then with 200 event-stream clients
 * connected (bench/sse-clients.ts, in a process of its own). Prints readings/s acknowledged (PUBACK = in the spool) and written to InfluxDB, the
 * platform's CPU per 1,000 messages (from /proc), and the drop in per cent.
 * The load is bench/load-generator.ts (raw TCP, pre-encoded, its own process), SSE_MESSAGES
 * (default 15,000) a device from SSE_PUBLISHERS devices (default 20); SSE_CLIENTS (default 200).
 */
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFleetKey } from '../services/config.ts';
import { loadRegistryFile } from '../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../services/registry/secrets.ts';
import { startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { createTopics } from '../services/topics.ts';
import type { LoadDevice, LoadJob, LoadMessage } from './load-generator.ts';
import { ask, exited, forkTs } from './lib/children.ts';

const clientsWanted = Number(process.env.SSE_CLIENTS ?? 200);
const publishers = Number(process.env.SSE_PUBLISHERS ?? 20);
const messagesPerDevice = Number(process.env.SSE_MESSAGES ?? 15_000);
const inFlight = 10;

const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-bench-sse-'));
const influxd = await startLocalInfluxd({ dataDir: join(dataDir, 'influxdb') });
const child = spawn(process.execPath, ['bin/wanxiang.js', 'start', '--data-dir', join(dataDir, 'platform'), '--influx-url', influxd.url, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], {
  env: { ...process.env, INFLUX_DB: 'bench_sse', WX_LOG_LEVEL: 'warn', WX_FLEET_KEY: defaultFleetKey, WX_STREAMS_PER_ADDRESS: String(clientsWanted + 10) }, stdio: ['ignore', 'pipe', 'inherit'],
});
const platformExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
let banner = '';
const httpUrl = await new Promise<string>((resolve) => child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
  banner += chunk;
  const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(banner);
  if (match && /running/i.test(banner)) resolve(match[1]!);
}));
const { mqttUrl } = (await (await fetch(`${httpUrl}/healthz`)).json()) as { mqttUrl: string };

/** The platform's CPU seconds so far (utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuSeconds(): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

// The load: bench/load-generator.ts in a process of its own (pre-encoded QoS 1 PUBLISH packets
// on raw TCP, client ids `bench-<device>` so the simulated fleet keeps its sessions): light
// enough that the platform, not the publisher, sets the rate.
const registry = await loadRegistryFile('seeds/devices.json');
const topics = createTopics('luohu');
const loadDevices: LoadDevice[] = registry.devices.filter((device) => device.family !== 'grid').slice(0, publishers)
  .map((record) => ({ record, topic: topics.build(record.family, record.id, 'telemetry'), password: simulatedDeviceSecret(defaultFleetKey, record.id) }));
const port = Number(new URL(mqttUrl).port);
let seedNext = 1;

async function phase(label: string) {
  // Device time runs 1 ms a reading up to now, so every reading is its device's latest and reaches the stream.
  const count = messagesPerDevice;
  const job: LoadJob = { host: '127.0.0.1', port, devices: loadDevices, messagesPerDevice: count, readingsPerMessage: 1, inFlight, firstTsMs: Date.now() - count - 60_000, stepMs: 1, seed: seedNext++ };
  const generator = forkTs('bench/load-generator.ts');
  await ask(generator, job, 'ready');
  const [w0, r0, c0] = [await metric('wanxiang_readings_written_total'), await metric('wanxiang_readings_received_total'), cpuSeconds()];
  const done = await ask<Extract<LoadMessage, { type: 'done' }>>(generator, { type: 'go' }, 'done');
  const [w1, r1, c1] = [await metric('wanxiang_readings_written_total'), await metric('wanxiang_readings_received_total'), cpuSeconds()];
  await exited(generator);
  const seconds = done.elapsedMs / 1_000;
  const result = { label, ackedPerS: done.acked / seconds, writtenPerS: (w1 - w0) / seconds, cpuMsPer1k: ((c1 - c0) * 1_000 * 1_000) / Math.max(1, r1 - r0), cpuShare: (c1 - c0) / seconds };
  process.stdout.write(`${label}: ${result.ackedPerS.toFixed(0)} readings/s acknowledged, ${result.writtenPerS.toFixed(0)} written/s, platform CPU ${result.cpuMsPer1k.toFixed(1)} ms per 1,000 messages (${(result.cpuShare * 100).toFixed(0)} % of a core)\n`);
  return result;
}

// Warm up, then 0 clients, then the clients.
await new Promise((resolve) => setTimeout(resolve, 3_000));
const without = await phase('0 SSE clients');
// The clients in a process of their own (bench/sse-clients.ts), as the load generator is.
const streamClients = fork('bench/sse-clients.ts', [], { execArgv: ['--import', 'tsx'], env: { ...process.env, SSE_URL: httpUrl, SSE_CLIENTS: String(clientsWanted) } });
const fromClients = <T>(request: string | null) => new Promise<T>((resolve) => {
  streamClients.once('message', (message) => resolve(message as T));
  if (request) streamClients.send(request);
});
await fromClients<{ ready: true }>(null);
await new Promise((resolve) => setTimeout(resolve, 2_000));
const connected = await metric('wanxiang_stream_clients');
const bytesBefore = (await fromClients<{ bytes: number }>('bytes')).bytes;
const withClients = await phase(`${clientsWanted} SSE clients (${connected} connected)`);
const dropped = await metric('wanxiang_stream_clients_dropped_total');
const eventBytes = (await fromClients<{ bytes: number }>('bytes')).bytes;
process.stdout.write([
  `event stream: ${((eventBytes - bytesBefore) / 1_048_576).toFixed(1)} MiB delivered to the clients during the phase, ${dropped} clients dropped`,
  `ingest drop with ${clientsWanted} clients: acknowledged ${(100 * (1 - withClients.ackedPerS / without.ackedPerS)).toFixed(1)} %, written ${(100 * (1 - withClients.writtenPerS / without.writtenPerS)).toFixed(1)} %; CPU per message ${(100 * (withClients.cpuMsPer1k / without.cpuMsPer1k - 1)).toFixed(1)} % more`,
  'Two cores carry the platform, influxd, the publisher and the stream clients: read the CPU per message as the steady figure.',
  '',
].join('\n'));

streamClients.send('stop');
child.kill('SIGTERM');
await platformExited;
await influxd.stop();
await rm(dataDir, { recursive: true, force: true });
