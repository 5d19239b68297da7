/**
 * npm run bench:subscriber: the scale-out ingest path measured (issue 11, docs/deploy-city.md).
 * Debian's mosquitto with the files `wanxiang devices export --mosquitto` writes, and
 * `wanxiang ingest --broker` workers (1, then 2) on the shared subscription, each a process of
 * its own; the raw-TCP load generator (bench/load-generator.ts) publishes single-reading QoS 1
 * messages to mosquitto from a third process. Prints, per worker count: messages acknowledged
 * by mosquitto per second, readings landed in InfluxDB per second (from the go signal to the
 * workers' last write), and CPU µs a message for the workers together, mosquitto, influxd and
 * the generator. Its own influxd and mosquitto (own folders, free ports).
 * BENCH_MESSAGES per device (default 1,500), BENCH_WORKERS (default "1,2"); BENCH_PROFILE=1 writes
 * each worker's CPU profile to bench-profiles/.
 * On a 2-core machine the workers, mosquitto, influxd and the generator share the cores: the
 * rates say what this box does, the CPU per message is what to plan with.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFleetKey, parseConfig } from '../services/config.ts';
import { loadRegistryFile } from '../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../services/registry/secrets.ts';
import { startLocalInfluxd, freePort } from '../services/storage/influxd-launcher.ts';
import { createTopics } from '../services/topics.ts';
import type { LoadJob, LoadMessage } from './load-generator.ts';
import { runWanxiang, spawnWanxiang, startMosquitto } from '../tests/cluster/servers.ts';
import { ask, exited, forkTs, platformNodeFlags, processCpuUs } from './lib/children.ts';

const messagesPerDevice = Number(process.env.BENCH_MESSAGES ?? 1_500);
const workerCounts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const out = (line: string) => process.stdout.write(`${line}\n`);
const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1_000);

const dir = await mkdtemp(join(tmpdir(), 'wanxiang-bench-subscriber-'));
const influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb') });
const children: ChildProcess[] = [];
// A failed run must leave no influxd, mosquitto or worker behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (existsSync(`/proc/${influxd.pid}`)) process.kill(influxd.pid, 'SIGTERM');
});

const registryFile = parseConfig({}).registryFile;
const registry = await loadRegistryFile(registryFile);
const topics = createTopics('luohu');
const loadDevices = registry.devices.map((record) => ({ record, topic: topics.build(record.family, record.id, 'telemetry'), password: simulatedDeviceSecret(defaultFleetKey, record.id) }));
const env = { WX_FLEET_KEY: defaultFleetKey, INFLUX_URL: influxd.url, WX_LOG_LEVEL: 'warn', WX_REGISTRY_FILE: registryFile };

// The broker's files from the registry, through the CLI, as an operator makes them; the servers
// started as the cluster tests start them (tests/cluster/servers.ts).
const [port, ingestPort] = [await freePort(), await freePort()];
const exported = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'mosquitto'), '--port', String(port), '--ingest-port', String(ingestPort), '--registry', registryFile], env);
if (exported.code !== 0) throw new Error(`devices export failed: ${exported.stderr}`);
const mosquitto = await startMosquitto(join(dir, 'mosquitto', 'mosquitto.conf'), port);
children.push(mosquitto.child);
// The workers log in on the readers' listener (the devices' one binds a client id to its login).
const readersUrl = `mqtt://127.0.0.1:${ingestPort}`;

out(`bench:subscriber: ${cpus().length} cores, ${cpus()[0]?.model}; Node ${process.version}; mosquitto on ${port}, InfluxDB at ${influxd.url}`);
out(`load: ${loadDevices.length} devices × ${messagesPerDevice} single-reading QoS 1 messages to mosquitto, 10 in flight per connection; generator in its own process`);

/** Readings the workers wrote, from their own /metrics. */
async function written(healthUrls: string[]): Promise<number> {
  let total = 0;
  for (const url of healthUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const match of text.matchAll(/^wanxiang_readings_written_total\{[^}]*\} (\d+)/gm)) total += Number(match[1]);
  }
  return total;
}

let firstTsMs = Date.now() - 6 * 3_600_000;
for (const count of workerCounts) {
  const database = `bench_subscriber_${count}`;
  const workers = await Promise.all(Array.from({ length: count }, (_, i) => spawnWanxiang(
    ['ingest', '--broker', readersUrl, '--node-id', `bench-${i}`, '--http-port', '0', '--data-dir', join(dir, `worker-${count}-${i}`)],
    { ...env, INFLUX_DB: database }, 'Wanxiang ingest is running', [...platformNodeFlags, ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : [])],
  )));
  children.push(...workers);
  const healthUrls = workers.map((worker) => /health (http:\/\/\S+)\/healthz/.exec(worker.readyText)![1]!);
  const messages = loadDevices.length * messagesPerDevice;
  const cpuOf = () => ({ workers: workers.reduce((sum, worker) => sum + processCpuUs(worker.pid!), 0), mosquitto: processCpuUs(mosquitto.child.pid!), influxd: processCpuUs(influxd.pid) });
  const before = cpuOf();
  const writtenBefore = await written(healthUrls);
  const generator = forkTs('bench/load-generator.ts');
  const job: LoadJob = { host: '127.0.0.1', port, devices: loadDevices, messagesPerDevice, readingsPerMessage: 1, inFlight: 10, firstTsMs, stepMs: 1, seed: 42 };
  await ask(generator, job, 'ready');
  const goAtMs = performance.now();
  const done = await ask<Extract<LoadMessage, { type: 'done' }>>(generator, { type: 'go' }, 'done');
  await exited(generator);
  while ((await written(healthUrls)) - writtenBefore < messages) {
    if (performance.now() - goAtMs > 600_000) throw new Error('the workers did not land every reading within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const landedMs = performance.now() - goAtMs - 25;
  const after = cpuOf();
  const us = (key: keyof typeof before) => ((after[key] - before[key]) / messages).toFixed(1);
  out(`${count} worker${count === 1 ? '' : 's'} (4 sessions each, 64 in flight a session):`);
  out(`  acknowledged by mosquitto ${perSecond(done.acked, done.elapsedMs)} msgs/s; landed ${perSecond(messages, landedMs)} readings/s (${messages} of ${messages}, timed from the go signal)`);
  out(`  CPU a message: workers ${us('workers')} µs (${((after.workers - before.workers) / landedMs / 10).toFixed(0)} % of a core), mosquitto ${us('mosquitto')} µs, influxd ${us('influxd')} µs, generator ${((done.cpuUserUs + done.cpuSystemUs) / messages).toFixed(1)} µs`);
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map((worker) => exited(worker)));
  firstTsMs += messagesPerDevice + 60_000;
}

await mosquitto.stop();
await influxd.stop();
await rm(dir, { recursive: true, force: true });
