import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createTopics } from '../../services/topics.ts';
import { connectDevice, disconnectDevice } from '../../simulators/device-client.ts';
import { spawnStart, type StartedCli } from '../cli/spawn-start.ts';
import { waitFor } from './helpers.ts';

/**
 * The platform's own influxd is killed while it runs (an OOM kill, a `kill` by someone tidying
 * processes; issue 19, tried again with other mistakes). Before, nothing said it was gone: the
 * drainer logged "unreachable" for ever and waited for a database nobody would start again.
 */
describe("the platform's own influxd exits while it runs", () => {
  let work: string;
  let dataDir: string;
  let platform: StartedCli;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-own-influxd-'));
    dataDir = join(work, 'data');
    platform = await spawnStart(['--data-dir', dataDir, '--no-simulate', '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '' });
  });
  afterAll(async () => {
    await platform?.stop();
    await rm(work, { recursive: true, force: true });
  });

  // Red team 11: /healthz asked a hung InfluxDB with the client's 30 s request timeout, and a
  // supervisor's liveness probe (a few seconds) restarted the platform for InfluxDB's stall.
  it('a hung influxd (SIGSTOP) makes /healthz answer 503 within seconds, not after 30', async () => {
    const { influxd } = JSON.parse(await readFile(join(dataDir, 'influxdb', 'influxd.lock'), 'utf8')) as { influxd: number };
    process.kill(influxd, 'SIGSTOP');
    try {
      const began = Date.now();
      const answer = await fetch(`${platform.httpUrl}/healthz`, { signal: AbortSignal.timeout(20_000) });
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ status: 'degraded', influx: { reachable: false } });
      expect(Date.now() - began).toBeLessThan(5_000);
    } finally {
      process.kill(influxd, 'SIGCONT');
    }
    await waitFor(async () => (await fetch(`${platform.httpUrl}/healthz`)).status === 200, '/healthz 200 once influxd runs again');
  }, 60_000);

  it('is started again, says so, and the readings acknowledged meanwhile land', async () => {
    const lockPath = join(dataDir, 'influxdb', 'influxd.lock');
    const { influxd } = JSON.parse(await readFile(lockPath, 'utf8')) as { influxd: number };
    const { mqttUrl, influxUrl } = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { mqttUrl: string; influxUrl: string };
    process.kill(influxd, 'SIGKILL');
    await waitFor(() => /the local influxd \(pid \d+\) exited \(SIGKILL\) while the platform ran: it is started again/.test(platform.output()), 'the restart said');

    const device = (await loadRegistryFile(join(dataDir, 'devices.json'))).devices.find((d) => d.id === 'air-guiyuan')!;
    const fleetKey = (await readFile(join(dataDir, 'fleet-key'), 'utf8')).trim();
    const topics = createTopics('luohu');
    const client = await connectDevice(device, { url: mqttUrl, fleetKey, topics }, { reconnectPeriod: 0 });
    const start = Date.now() - 60_000;
    for (let i = 0; i < 10; i += 1) await client.publishAsync(topics.build('air', device.id, 'telemetry'), JSON.stringify({ ts: start + i * 1_000, pm25: 30, pm10: 50 }), { qos: 1 });
    await disconnectDevice(client, device, topics);

    const count = async () => {
      const answer = await fetch(`${influxUrl}/query?db=wanxiang&q=${encodeURIComponent(`SELECT count(pm25_ugm3) FROM air_quality WHERE device = 'air-guiyuan' AND time >= ${start}ms`)}`).then((r) => r.json(), () => ({})) as { results?: Array<{ series?: Array<{ values: number[][] }> }> };
      return answer.results?.[0]?.series?.[0]?.values[0]?.[1] ?? 0;
    };
    await waitFor(async () => (await count()) === 10, 'the 10 acknowledged readings in the restarted influxd', 90_000);
    const { influxd: again } = JSON.parse(await readFile(lockPath, 'utf8')) as { influxd: number };
    expect(again).not.toBe(influxd);
  }, 180_000);
});
