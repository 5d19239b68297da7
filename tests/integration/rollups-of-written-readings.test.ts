import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourOf } from '../../services/ingest/accounting.ts';
import { encodeLines } from '../../services/ingest/spool-record.ts';
import { createReadingEncoder } from '../../services/ingest/to-point.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createSpool } from '../../services/spool/index.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * The rollups read the raw readings from InfluxDB, and a day was marked for them when a reading was
 * accepted into the spool, not when it was written. Readings an earlier run acknowledged and left in
 * the spool (InfluxDB down, then a crash) were written by the next run, but nothing marked their day:
 * yesterday's hours never got their rollups. The same race, without a crash, when a run read a day
 * before the writer had written its last readings (InfluxDB back from an outage, the writer in its backoff).
 */
describe('a day is rolled up once its readings are written, also those an earlier run left in the spool', () => {
  let test: TestPlatform;
  let dataDir: string;
  const device = 'air-huangbei';
  // Yesterday, 10:00 to 12:00 Beijing time: no live reading will mark that day again.
  const yesterday = Math.floor((Date.now() + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000 - 86_400_000;
  const from = yesterday + 10 * 3_600_000;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-rollup-recovered-'));
    const record = (await loadRegistryFile('seeds/devices.json')).devices.find((candidate) => candidate.id === device)!;
    const encoder = createReadingEncoder();
    const receivedAtMs = Date.now() - 60_000;
    // What a killed run left: two hours of readings every 5 minutes, acknowledged, not yet written.
    const spool = createSpool({ dir: join(dataDir, 'spool') });
    await spool.open();
    await spool.append(Array.from({ length: 24 }, (_, i) => {
      const timeMs = from + i * 5 * 60_000;
      return encodeLines({ family: 'air', device, hour: hourOf(receivedAtMs) }, [encoder.encode({ family: 'air', deviceId: device, timeMs, receivedAtMs, values: { pm25: 30 + i, pm10: 50, so2: 8, no2: 27, o3: 100, co: 0.6 } }, record)]);
    }));
    await spool.close();
    test = await startTestPlatform({ dataDir, ingest: { maxAgeMs: 10 * 86_400_000 }, rollups: { enabled: false } });
  });

  afterAll(async () => {
    await test?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rolls up the hours of readings recovered from the spool once they are written', async () => {
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}'`)).toBe(24);
    const windows = await test.platform.rollups.runOnce();
    expect(windows).toContainEqual({ family: 'air', day: Math.floor((from + 8 * 3_600_000) / 86_400_000) });
    const [hours] = await test.platform.influx.query(`SELECT "pm25_ugm3" FROM "air_hourly" WHERE "device" = '${device}' AND time > ${from}ms AND time <= ${from + 2 * 3_600_000}ms`);
    expect(hours?.values.length).toBe(2);
  });
});
