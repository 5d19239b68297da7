import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { dayOf } from '../../services/rollups/rollup-types.ts';
import { backfill } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const day1 = Date.parse('2025-03-10T00:00:00+08:00');
const dayMs = 86_400_000;
const hourMs = 3_600_000;

async function rows(test: TestPlatform, query: string): Promise<Array<Record<string, unknown>>> {
  const series = await test.platform.influx.query(query);
  return series.flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((column, i) => [column, row[i]]))));
}

describe('rollups from the raw points, by the book', () => {
  let test: TestPlatform;
  let stations: DeviceRecord[];

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    const registry = test.platform.registry.devices;
    stations = registry.filter((device) => device.family === 'air');
    const others = ['water', 'noise', 'grid', 'parking'].flatMap((family) => registry.filter((device) => device.family === family).slice(0, 2));
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: [...stations, ...others], fromMs: day1, toMs: day1 + 3 * dayMs, seed: 9 });
    await test.platform.ingest.drain();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('rolls up every marked window once, and again to the same values (idempotent)', async () => {
    const windows = await test.platform.rollups.runOnce();
    expect(windows.filter((window) => window.family === 'air').map((window) => window.day)).toEqual([dayOf(day1), dayOf(day1) + 1, dayOf(day1) + 2, dayOf(day1) + 3]);
    const first = await rows(test, 'SELECT * FROM "air_daily" GROUP BY "device"');
    await test.platform.rollups.recomputeRange(day1, day1 + 3 * dayMs);
    expect(await rows(test, 'SELECT * FROM "air_daily" GROUP BY "device"')).toEqual(first);
    expect(first.length).toBe(stations.length * 4);
  });

  it('computes a station’s hourly and daily means as a recomputation from the raw points finds them', async () => {
    const station = stations[3]!;
    const start = day1 + dayMs;
    const hourly = await rows(test, `SELECT mean("pm25_ugm3") AS m, count("pm25_ugm3") AS n FROM "air_quality" WHERE "device" = '${station.id}' AND time >= ${start}ms AND time < ${start + dayMs}ms GROUP BY time(1h)`);
    const valid = hourly.filter((hour) => Number(hour.n) * 5 >= 45).map((hour) => Number(hour.m));
    const [daily] = await rows(test, `SELECT * FROM "air_daily" WHERE "device" = '${station.id}' AND time = ${start}ms`);
    expect(daily!.valid_hours).toBe(24);
    expect(daily!.pm25_ugm3 as number).toBeCloseTo(valid.reduce((a, b) => a + b, 0) / valid.length, 9);
    expect(daily!.standard).toBe('HJ 633-2012');
    expect(Number(daily!.aqi)).toBeGreaterThan(0);
    // HJ 663: the hour 10:00-11:00 carries the label 11:00, its end.
    const [hour] = await rows(test, `SELECT * FROM "air_hourly" WHERE "device" = '${station.id}' AND time = ${start + 11 * hourMs}ms`);
    expect(hour!.pm25_ugm3 as number).toBeCloseTo(Number(hourly[10]!.m), 9);
    expect(hour!.valid).toBe(1);
  });

  it('gives the district the AQI of the mean over stations', async () => {
    const start = day1 + dayMs;
    const stationDays = await rows(test, `SELECT "pm25_ugm3" FROM "air_daily" WHERE time = ${start}ms`);
    const [district] = await rows(test, `SELECT * FROM "air_daily_district" WHERE time = ${start}ms`);
    expect(district!.stations).toBe(stations.length);
    expect(district!.pm25_ugm3 as number).toBeCloseTo(stationDays.reduce((sum, row) => sum + Number(row.pm25_ugm3), 0) / stationDays.length, 9);
  });

  it('leaves a day with 19 valid hours without a daily mean or an AQI', async () => {
    const station = stations[0]!;
    const day = day1 + 5 * dayMs;
    const client = await test.connect(station);
    const topic = test.topics.build('air', station.id, 'telemetry');
    const readings = Array.from({ length: 19 * 12 }, (_, i) => ({ ts: day + i * 300_000, pm25: 30, pm10: 50, so2: 5, no2: 20, o3: 60, co: 0.5 }));
    for (let i = 0; i < readings.length; i += 100) await client.publishAsync(topic, JSON.stringify(readings.slice(i, i + 100)), { qos: 1 });
    await test.platform.ingest.drain();
    await test.platform.rollups.runOnce();
    const [daily] = await rows(test, `SELECT * FROM "air_daily" WHERE "device" = '${station.id}' AND time = ${day}ms`);
    expect(daily!.valid_hours).toBe(19);
    expect(daily!.valid).toBe(0);
    expect(daily!.pm25_ugm3).toBeNull();
    expect(daily!.aqi).toBeNull();
  });

  it('recomputes only the windows a late reading touches', async () => {
    const station = stations[1]!;
    const lateAt = day1 + dayMs + 10 * hourMs + 60_000;
    const before = await rows(test, `SELECT * FROM "air_daily" WHERE "device" = '${station.id}' GROUP BY "device"`);
    const client = await test.connect(station);
    await client.publishAsync(test.topics.build('air', station.id, 'telemetry'), JSON.stringify({ ts: lateAt, pm25: 900, pm10: 950 }), { qos: 1 });
    await test.platform.ingest.drain();
    const windows = await test.platform.rollups.runOnce();
    // its day, and the next (whose 24-h moving means reach back into it)
    expect(windows).toEqual([{ family: 'air', day: dayOf(lateAt) }, { family: 'air', day: dayOf(lateAt) + 1 }]);
    const after = await rows(test, `SELECT * FROM "air_daily" WHERE "device" = '${station.id}' GROUP BY "device"`);
    const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i])).map((row) => row.time);
    expect(changed).toEqual([day1 + dayMs]);
  });

  it('rolls up water classes, noise day/night energy averages, grid load and parking occupancy', async () => {
    const [water] = await rows(test, `SELECT * FROM "water_daily" WHERE time = ${day1}ms LIMIT 1`);
    expect(['I', 'II', 'III', 'IV', 'V', '劣V']).toContain(water!.class);
    const noiseDevice = test.platform.registry.devices.find((device) => device.family === 'noise')!;
    const night = await rows(test, `SELECT "leq_dba" FROM "noise" WHERE "device" = '${noiseDevice.id}' AND time >= ${day1 + 22 * hourMs}ms AND time < ${day1 + 30 * hourMs}ms`);
    const energy = 10 * Math.log10(night.reduce((sum, row) => sum + 10 ** (Number(row.leq_dba) / 10), 0) / night.length);
    const [noise] = await rows(test, `SELECT * FROM "noise_daily" WHERE "device" = '${noiseDevice.id}' AND time = ${day1}ms`);
    expect(noise!.night_leq_dba as number).toBeCloseTo(energy, 9);
    expect(noise!.night_limit_dba).toBe(55);
    const [grid] = await rows(test, `SELECT * FROM "grid_daily" WHERE time = ${day1}ms LIMIT 1`);
    expect(grid!.points).toBe(96);
    const [lot] = await rows(test, `SELECT * FROM "parking_daily" WHERE time = ${day1}ms LIMIT 1`);
    expect(Number(lot!.peak_occupancy_pct)).toBeGreaterThan(Number(lot!.mean_occupancy_pct));
  });
});
