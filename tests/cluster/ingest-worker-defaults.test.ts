import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, runWanxiang, spawnWanxiang, startMosquitto } from './servers.ts';

const exists = (path: string) => access(path).then(() => true, () => false);
const parking = ['--id', 'pk-worker-1', '--family', 'parking', '--site', 'p-w', '--site-name', 'W', '--street', 'dongmen', '--lat', '22.55', '--lon', '114.12', '--attributes', '{"capacity":40,"lotKind":"office"}'];

describe('ingest workers as the city guide runs them on one machine (issue 19, item 4)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('a worker without an explicit database is refused (exit 2) and starts no influxd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-worker-nodb-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const run = await runWanxiang(['ingest', '--broker', 'mqtt://127.0.0.1:1', '--node-id', 'w0', '--data-dir', join(dir, 'w0')], { INFLUX_URL: '', INFLUX_URLS: '' });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^WX_ERR_INVALID_ARGUMENT: ingest: the database every worker writes to is required: --influx-url URL \(or INFLUX_URL/m);
    expect(await exists(join(dir, 'w0', 'influxdb'))).toBe(false);
  });

  it('two workers without --http-port do not collide; the registry is found by the data-folder rule, as devices finds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-workers-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const installation = join(dir, 'data');
    const brokerSecret = randomBytes(24).toString('base64url');
    const env = { WX_BROKER_PASSWORD: brokerSecret, WX_FLEET_KEY: '', WX_REGISTRY_FILE: '', WX_HTTP_PORT: '', WX_LOG_LEVEL: 'warn' };
    // The installation is made by the first change, before any start (item 6).
    const added = await runWanxiang(['devices', 'add', '--data-dir', installation, ...parking], env);
    expect(added.code, added.stderr).toBe(0);
    const [port, ingestPort] = [await freePort(), await freePort()];
    const exported = await runWanxiang(['devices', 'export', '--data-dir', installation, '--mosquitto', join(dir, 'mosquitto'), '--port', String(port), '--ingest-port', String(ingestPort)], env);
    expect(exported.code, exported.stderr).toBe(0);
    const broker = await startMosquitto(join(dir, 'mosquitto', 'mosquitto.conf'), port);
    cleanup.push(() => broker.stop('SIGKILL'));

    const workerEnv = { ...env, INFLUX_URL: inject('influxUrl'), INFLUX_DB: `workers_${process.pid}` };
    const broker1884 = `mqtt://127.0.0.1:${broker.portOf(ingestPort)}`;
    const workers: Array<ChildProcess & { readyText: string }> = [];
    cleanup.push(async () => workers.forEach((child) => child.kill('SIGKILL')));
    // One worker on the installation's own folder, one with a folder of its own naming the registry.
    workers.push(await spawnWanxiang(['ingest', '--broker', broker1884, '--node-id', 'w1', '--data-dir', installation], workerEnv, 'Wanxiang ingest is running'));
    workers.push(await spawnWanxiang(['ingest', '--broker', broker1884, '--node-id', 'w2', '--data-dir', join(dir, 'w2'), '--registry', join(installation, 'devices.json')], workerEnv, 'Wanxiang ingest is running'));
    const health = workers.map((worker) => /health (http:\/\/\S+)\/healthz/.exec(worker.readyText)![1]!);
    expect(new Set(health).size).toBe(2);
    for (const base of health) expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(workers[0]!.readyText).toContain(`[ingest] data folder ${installation}, registry ${join(installation, 'devices.json')}, fleet key the data folder's`);
  });
});
