import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startLocalInfluxd, type LocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './helpers.ts';

/** InfluxDB is killed for 30 s while 100 devices publish at QoS 1, then restarted. */
describe('an InfluxDB outage loses nothing acknowledged', () => {
  let dir: string;
  let influxd: LocalInfluxd;
  let port: number;
  let test: TestPlatform;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-outage-'));
    port = await freePort();
    influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb'), port });
    test = await startTestPlatform({ influx: { url: influxd.url, database: 'outage' }, ingest: { retryMaxDelayMs: 1_000 }, rollups: { enabled: false } });
  });
  afterAll(async () => {
    await test?.close();
    await influxd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lands every acknowledged reading exactly once after a 30 s kill', async () => {
    const devices = test.platform.registry.devices.slice(0, 100);
    const load = await startAckedLoad({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, intervalMs: 500 });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    process.kill(influxd.pid, 'SIGKILL');
    const ackedAtKill = load.ackedCount;
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    // Devices were acknowledged all through the outage: the spool took their readings.
    expect(load.ackedCount).toBeGreaterThan(ackedAtKill + 100 * 40);
    influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb'), port });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await load.stop();
    await test.platform.ingest.drain();
    const landed = await landedPerDevice(test.platform.influx, devices);
    for (const device of devices) expect(landed.get(device.id), device.id).toBe(load.acked.get(device.id)!.size);
    expect(await test.metric('wanxiang_write_retries_total')).toBeGreaterThan(0);
    await waitFor(async () => (await test.metric('wanxiang_spool_records')) === 0, 'an empty spool');
    await load.close();
  }, 180_000);
});
