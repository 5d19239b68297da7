import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeStationLine } from '../../services/hj212/station-lines.ts';
import { hourOf } from '../../services/ingest/accounting.ts';
import { encodeLines } from '../../services/ingest/spool-record.ts';
import { createReadingEncoder } from '../../services/ingest/to-point.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { createSpool } from '../../services/spool/index.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface AccountingAnswer {
  unexplained: number;
  rows: Array<{ device: string; received: number; written: number; recovered: number; pending: number; gap: number; rejected: Record<string, number> }>;
  recovery: { records: number; readings: number; sampled: number; found: number; state: string };
}

/**
 * Accounting across a restart looks the readings an earlier run left in the spool up in InfluxDB
 * once they are written (recovery-check.ts). It looked each one up in its family's measurement by
 * its recv_lag_ms: an HJ 212 station's hour values (stored in `<measurement>_hj212`), a reading
 * whose recv_lag_ms InfluxDB refused for a type conflict (the rest written), and a reading refused
 * whole (in the dead letter, counted) were each reported missing, an accounting gap for good,
 * though every one was accounted for.
 */
describe('the recovery check finds what an earlier run left where it was written, and knows what was refused', () => {
  let test: TestPlatform;
  let dataDir: string;
  let devices: Map<string, DeviceRecord>;
  const now = Date.now();
  const ts = now - 120_000;
  const hour = hourOf(now);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-recovered-'));
    devices = new Map((await loadRegistryFile('seeds/devices.json')).devices.map((device) => [device.id, device]));
    const device = (id: string) => devices.get(id)!;
    const encoder = createReadingEncoder();
    const reading = (id: string, values: Record<string, number>) => encoder.encode({ family: device(id).family, deviceId: id, timeMs: ts, receivedAtMs: ts + 40, values }, device(id));
    // What a killed run left in its spool: acknowledged, not yet written.
    const spool = createSpool({ dir: join(dataDir, 'spool') });
    await spool.open();
    const hourMs = Math.floor(ts / 3_600_000) * 3_600_000;
    await spool.append([
      // An air station's own hour values over HJ 212: air_quality_hj212, not air_quality.
      encodeLines({ family: 'air', device: 'air-dongmen', hour }, [encodeStationLine(device('air-dongmen'), 'air_quality_hj212', 'hour', [['pm25_ugm3', 31.5, 'float'], ['pm10_ugm3', 52, 'float'], ['recv_lag_ms', 300_000, 'int']], hourMs)]),
      // A reading whose recv_lag_ms an outside writer made a string: written without it.
      encodeLines({ family: 'water', device: 'water-buji-river-mouth', hour }, [reading('water-buji-river-mouth', { do: 6.1, nh3n: 0.4, tp: 0.1, codmn: 3.2, ph: 7.2 })]),
      // A reading whose every field conflicts: refused whole, kept in the dead letter.
      encodeLines({ family: 'noise', device: 'noise-buxin-road-1', hour }, [reading('noise-buxin-road-1', { leq: 58.2 })]),
      // And one that simply lands, as most do.
      encodeLines({ family: 'air', device: 'air-dongxiao', hour }, [reading('air-dongxiao', { pm25: 30, pm10: 50, so2: 8, no2: 27, o3: 100, co: 0.6 })]),
    ]);
    await spool.close();
    // An outside writer made water_quality's recv_lag_ms a string, and both of noise's fields, in this shard.
    const database = `recovered_${process.pid}_${Date.now()}`;
    const influx = createInfluxClient({ url: inject('influxUrl'), database, retentionPolicy: 'wanxiang_raw' });
    await influx.ensureDatabase('INF');
    await influx.write([`water_quality,device=outside-writer recv_lag_ms="late" ${ts}`, `noise,device=outside-writer leq_dba="loud",recv_lag_ms="late" ${ts}`]);
    test = await startTestPlatform({ dataDir, influx: { database }, ingest: { maxAgeMs: 10 * 86_400_000 } });
  });

  afterAll(async () => {
    await test?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reconciles every recovered reading: none missing, no gap', async () => {
    let answer: AccountingAnswer;
    for (;;) {
      answer = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/accounting`)).json()) as AccountingAnswer;
      if (answer.recovery.state !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Each was written where it belongs (or refused and kept): nothing is missing.
    expect(await test.countPoints('air_quality_hj212')).toBe(1);
    const [water] = await test.platform.influx.query(`SELECT "do_mgl", "recv_lag_ms" FROM "water_quality" WHERE "device" = 'water-buji-river-mouth'`);
    expect(water!.values).toEqual([[ts, 6.1, null]]);
    expect(answer.recovery).toMatchObject({ records: 4, readings: 4, state: 'reconciled' });
    // Three looked up (the noise reading, refused whole, is in the dead letter instead) and all found.
    expect(answer.recovery).toMatchObject({ sampled: 3, found: 3 });
    expect(answer.unexplained).toBe(0);
    const noise = answer.rows.find((row) => row.device === 'noise-buxin-road-1');
    expect(noise).toMatchObject({ recovered: 1, written: 0, pending: 0, gap: 0 });
    expect(Object.values(noise!.rejected).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
