import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * The rollups' marks (which days are due) live in memory: a day marked after the engine's last run
 * (readings of the last seconds before a stop, those the spool's drain wrote at shutdown, or every
 * mark of a run that crashed) was never rolled up, unless a later reading marked the same day. Past
 * midnight nothing does: yesterday's last hour stayed without its rollups for good. The engine now
 * recomputes today and yesterday when it starts.
 */
describe('a day marked but not yet rolled up when the platform stopped is rolled up by the next start', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('rolls up yesterday\'s readings written just before the stop', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-rollup-restart-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const database = `restart_${process.pid}_${Date.now()}`;
    const device = 'air-sungang';
    const yesterday = Math.floor((Date.now() + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000 - 86_400_000;
    const from = yesterday + 22 * 3_600_000;

    // The first run takes yesterday's 22:00-24:00 (a station resending after a network outage) and stops
    // before its next rollup run (rollups off here: the run every 10 s simply did not come round).
    let test: TestPlatform = await startTestPlatform({ dataDir, influx: { database }, ingest: { maxAgeMs: 3 * 86_400_000 }, rollups: { enabled: false } });
    const client = await test.connect(test.device(device));
    const readings = Array.from({ length: 24 }, (_, i) => ({ ts: from + i * 5 * 60_000, pm25: 40, pm10: 60, so2: 8, no2: 27, o3: 90, co: 0.6 }));
    await client.publishAsync(test.topics.build('air', device, 'telemetry'), JSON.stringify(readings), { qos: 1 });
    await test.platform.ingest.drain();
    await test.close();

    test = await startTestPlatform({ dataDir, influx: { database }, ingest: { maxAgeMs: 3 * 86_400_000 }, rollups: { enabled: true, intervalMs: 200 } });
    cleanup.push(() => test.close());
    const hours = async () => (await test.platform.influx.query(`SELECT "pm25_ugm3" FROM "air_hourly" WHERE "device" = '${device}' AND "fields_present" =~ /pm25_ugm3/ AND time > ${from}ms AND time <= ${from + 2 * 3_600_000}ms`))[0]?.values.length ?? 0;
    await expect.poll(hours, { timeout: 30_000, interval: 250 }).toBe(2);
  }, 90_000);
});
