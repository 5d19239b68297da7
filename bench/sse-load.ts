/**
 * npm run bench:sse: the ingest rate of a platform started as `npm start` starts it (simulated
 * district running) under a load publisher, with 0 and then with 200 event-stream clients
 * connected. Prints readings/s acknowledged (PUBACK = in the spool) and written to InfluxDB, the
 * platform's CPU per 1,000 messages (from /proc), and the drop in per cent.
 * SSE_CLIENTS (default 200), SSE_PHASE_S seconds per phase (default 20), SSE_PUBLISHERS (default 20).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { defaultFleetKey } from '../services/config.ts';
import { loadRegistryFile } from '../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../services/registry/secrets.ts';
import { startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { createTopics } from '../services/topics.ts';
import { generateReading } from '../simulators/generate-reading.ts';

const clientsWanted = Number(process.env.SSE_CLIENTS ?? 200);
const phaseMs = Number(process.env.SSE_PHASE_S ?? 20) * 1_000;
const publishers = Number(process.env.SSE_PUBLISHERS ?? 20);
const inFlight = 20;

const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-bench-sse-'));
const influxd = await startLocalInfluxd({ dataDir: join(dataDir, 'influxdb') });
const child = spawn(process.execPath, ['bin/wanxiang.js', 'start', '--data-dir', join(dataDir, 'platform'), '--influx-url', influxd.url, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], {
  env: { ...process.env, INFLUX_DB: 'bench_sse', WX_LOG_LEVEL: 'warn', WX_FLEET_KEY: defaultFleetKey }, stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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

// The load publisher: a few devices' credentials under client ids of their own (the fleet keeps its sessions).
const registry = await loadRegistryFile('seeds/devices.json');
const topics = createTopics('luohu');
const devices = registry.devices.filter((device) => device.family !== 'grid').slice(0, publishers);
const clients: MqttClient[] = await Promise.all(devices.map((device, i) => mqtt.connectAsync(mqttUrl, {
  clientId: `bench-sse-${i}`, username: device.id, password: simulatedDeviceSecret(defaultFleetKey, device.id), protocolVersion: 4, reconnectPeriod: 0,
})));
let acked = 0;
let running = true;
const loops = devices.map(async (device, index) => {
  const topic = topics.build(device.family, device.id, 'telemetry');
  const window = new Set<Promise<unknown>>();
  // Current, distinct timestamps: each reading is the device's latest, so every one reaches the stream.
  let last = 0;
  while (running) {
    const ts = Math.max(last + 1, Date.now() - 1_000);
    last = ts;
    const publish = clients[index]!.publishAsync(topic, JSON.stringify({ ts, ...generateReading(7, device, ts) }), { qos: 1 })
      .then(() => { acked += 1; }, () => undefined).finally(() => window.delete(publish));
    window.add(publish);
    if (window.size >= inFlight) await Promise.race(window);
  }
  await Promise.all(window);
});

async function phase(label: string) {
  const [a0, w0, r0, c0, t0] = [acked, await metric('wanxiang_readings_written_total'), await metric('wanxiang_readings_received_total'), cpuSeconds(), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, phaseMs));
  const [a1, w1, r1, c1, t1] = [acked, await metric('wanxiang_readings_written_total'), await metric('wanxiang_readings_received_total'), cpuSeconds(), performance.now()];
  const seconds = (t1 - t0) / 1_000;
  const result = { label, ackedPerS: (a1 - a0) / seconds, writtenPerS: (w1 - w0) / seconds, cpuMsPer1k: ((c1 - c0) * 1_000 * 1_000) / Math.max(1, r1 - r0), cpuShare: (c1 - c0) / seconds };
  process.stdout.write(`${label}: ${result.ackedPerS.toFixed(0)} readings/s acknowledged, ${result.writtenPerS.toFixed(0)} written/s, platform CPU ${result.cpuMsPer1k.toFixed(1)} ms per 1,000 messages (${(result.cpuShare * 100).toFixed(0)} % of a core)\n`);
  return result;
}

// Warm up, then 0 clients, then the clients.
await new Promise((resolve) => setTimeout(resolve, 3_000));
const without = await phase('0 SSE clients');
let eventBytes = 0;
const streams = Array.from({ length: clientsWanted }, () => new Promise<import('node:http').ClientRequest>((resolve) => {
  const req = request(`${httpUrl}/api/v1/stream`, { headers: { accept: 'text/event-stream' } }, (res) => res.on('data', (chunk: Buffer) => { eventBytes += chunk.length; }));
  req.end();
  resolve(req);
}));
const requests = await Promise.all(streams);
await new Promise((resolve) => setTimeout(resolve, 2_000));
const connected = await metric('wanxiang_stream_clients');
const bytesBefore = eventBytes;
const withClients = await phase(`${clientsWanted} SSE clients (${connected} connected)`);
const dropped = await metric('wanxiang_stream_clients_dropped_total');
process.stdout.write([
  `event stream: ${((eventBytes - bytesBefore) / 1_048_576).toFixed(1)} MiB delivered to the clients during the phase, ${dropped} clients dropped`,
  `ingest drop with ${clientsWanted} clients: acknowledged ${(100 * (1 - withClients.ackedPerS / without.ackedPerS)).toFixed(1)} %, written ${(100 * (1 - withClients.writtenPerS / without.writtenPerS)).toFixed(1)} %; CPU per message ${(100 * (withClients.cpuMsPer1k / without.cpuMsPer1k - 1)).toFixed(1)} % more`,
  'The machine is shared: run it more than once and read the figures as an order of magnitude.',
  '',
].join('\n'));

running = false;
await Promise.all(loops);
for (const req of requests) req.destroy();
await Promise.all(clients.map((client) => client.endAsync()));
child.kill('SIGTERM');
await exited;
await influxd.stop();
await rm(dataDir, { recursive: true, force: true });
