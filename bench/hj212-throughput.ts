/**
 * `npm run bench:hj212` (issue 20, item 8): 1,000 HJ 212 stations, each sending hourly packets
 * of 7 factors with the answer bit over its own TCP connection, from a load process of its own,
 * against the platform in its own process (bench/platform-child.ts) and an influxd of its own.
 * Prints packets answered and landed per second and the platform's CPU µs a packet (all its threads,
 * the main thread's share and the GC pauses in it).
 * BENCH_STATIONS (1,000), BENCH_PACKETS per station (120: five days of hours, so that the figure is the receiver at work rather than its warm-up), BENCH_WINDOW in flight per station (4),
 * BENCH_CPU_PROF (a folder for the platform's CPU profile).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '../services/registry/secrets.ts';
import type { RegistryFile } from '../services/registry/registry-schema.ts';
import { startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { ask, exited, forkTs, platformNodeFlags } from './lib/children.ts';
import { gcShareOfBusySamples } from './lib/profile-share.ts';
import type { PlatformReply } from './platform-child.ts';

const stations = Number(process.env.BENCH_STATIONS ?? 1_000);
const packets = Number(process.env.BENCH_PACKETS ?? 120);
const window = Number(process.env.BENCH_WINDOW ?? 4);
const out = (line: string) => process.stdout.write(`${line}\n`);

const dir = await mkdtemp(join(tmpdir(), 'wanxiang-bench-hj212-'));
const influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb') });
try {
  const file = JSON.parse(await readFile('seeds/devices.json', 'utf8')) as RegistryFile;
  const template = file.devices.find((device) => device.family === 'air')!;
  const pwHash = await hashSecret('123456');
  for (let i = 1; i <= stations; i += 1) {
    const id = `air-bench-${String(i).padStart(4, '0')}`;
    file.devices.push({ ...template, id, site: id, hj212: { mn: `BENCH${String(i).padStart(9, '0')}`, pwHash, crc: 'strict' } });
  }
  const registryFile = join(dir, 'devices.json');
  await writeFile(registryFile, JSON.stringify(file));
  // BENCH_CPU_PROF=DIR: the platform writes a V8 CPU profile there (node --cpu-prof), to find the top cost.
  const platform = forkTs('bench/platform-child.ts', [...platformNodeFlags, ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])]);
  const { endpoints } = await ask<Extract<PlatformReply, { type: 'started' }>>(platform, {
    dataDir: join(dir, 'platform'), registryFile, logLevel: 'silent',
    mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 }, hj212: { port: 0 },
    influx: { url: influxd.url, database: 'bench' }, simulate: { enabled: false }, rollups: { enabled: false },
  }, 'started');
  const port = Number(new URL(endpoints.hj212Url!).port);
  out(`bench:hj212 — ${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}; ${stations} stations × ${packets} hourly packets of 7 factors, ${window} in flight each`);
  const stats = () => ask<Extract<PlatformReply, { type: 'stats' }>>(platform, { type: 'stats' }, 'stats');
  const load = forkTs('bench/hj212-load.ts');
  const firstHourMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 - (packets + 1) * 3_600_000;
  const connected = new Promise((resolve) => load.once('message', resolve));
  load.send({ port, stations, packets, window, firstHourMs });
  await connected;
  const before = await stats();
  const started = performance.now();
  const done = await new Promise<{ elapsedMs: number; cpuUs: number }>((resolve) => load.on('message', (message: { type: string }) => message.type === 'done' && resolve(message as never)));
  const answeredAt = await stats();
  const total = stations * packets;
  for (let after = answeredAt; ; after = await stats()) {
    if (after.written - before.written >= total) {
      const landedMs = performance.now() - started;
      const cpuUs = answeredAt.cpuUserUs + answeredAt.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs;
      out(`answered: ${Math.round(total / (done.elapsedMs / 1_000))} packets/s (${total} in ${(done.elapsedMs / 1_000).toFixed(1)} s)`);
      out(`landed in InfluxDB: ${Math.round(total / (landedMs / 1_000))} packets/s`);
      const mainUs = answeredAt.mainThreadCpuUs - before.mainThreadCpuUs;
      out(`platform CPU: ${(cpuUs / total).toFixed(1)} µs a packet (until the last answer): JavaScript thread ${(mainUs / total).toFixed(1)}, other threads (libuv pool: fsync; V8: GC helpers, compiler) ${((cpuUs - mainUs) / total).toFixed(1)}`);
      out(`load process: ${(done.cpuUs / total).toFixed(1)} µs a packet; load average at the end ${loadavg().map((load) => load.toFixed(1)).join(' ')} (other work on the machine inflates every figure)`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await ask(platform, { type: 'close' }, 'closed');
  await exited(platform);
  if (process.env.BENCH_CPU_PROF) {
    const share = await gcShareOfBusySamples(process.env.BENCH_CPU_PROF, 'handleFrame');
    if (share !== null) out(`garbage collector: ${(share * 100).toFixed(1)} % of the JavaScript thread's busy samples while packets came (${process.env.BENCH_CPU_PROF})`);
  }
} finally {
  await influxd.stop();
  await rm(dir, { recursive: true, force: true });
}
