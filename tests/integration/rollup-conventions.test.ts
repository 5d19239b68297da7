import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { ROLLUP_SCHEMA_VERSION } from '../../services/rollups/rollup-schema.ts';
import { backfill } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const at = (text: string) => Date.parse(`${text}+08:00`);
const airDay = at('2025-03-11T00:00:00');
const staleDay = at('2025-02-20T00:00:00');
const noiseDay = at('2025-03-12T00:00:00');
const gridDay = at('2025-03-13T00:00:00');
const yearStart = at('2025-01-01T00:00:00');
const yearEnd = at('2026-01-01T00:00:00');

/**
 * The conventions the rollups follow (README "Conventions the rollups follow"), each against the
 * real ingest, rollups and InfluxDB: hour labels, schema migration, noise coverage, grid events over
 * midnight, the drinking-water source and a report whose status, value and completeness agree.
 */
describe('rollup conventions, by the book and to the hour', () => {
  let test: TestPlatform;
  let report: ComplianceReport;
  const rows = async (query: string) =>
    (await test.platform.influx.query(query)).flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((column, i) => [column, row[i]])) })));
  const publish = async (device: DeviceRecord, readings: ReadonlyArray<Record<string, number>>) => {
    const client = await test.connect(device);
    const topic = test.topics.build(device.family as 'air', device.id, 'telemetry');
    for (let i = 0; i < readings.length; i += 100) await client.publishAsync(topic, JSON.stringify(readings.slice(i, i + 100)), { qos: 1 });
  };
  const api = async <T>(path: string) => (await (await fetch(`${test.endpoints.httpUrl}${path}`)).json()) as T;

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    // Hourly air points as the platform wrote them before schema 2: labelled by the hour's start.
    const stale = Array.from({ length: 24 }, (_, h) => `air_hourly,device=air-nanhu,family=air coverage_min=60,valid=1i,pm25_ugm3=999,stale_field=1i ${staleDay + h * hourMs}`);
    // …and the second half of a heavy-load event cut at midnight, as the old grid rollup wrote it.
    stale.push(`grid_events,device=grid-buxin-t1,family=grid,kind=heavy duration_min=120,peak_pct=90,end_ms=${gridDay + 25 * hourMs + 45 * 60_000}i ${gridDay + dayMs}`);
    await test.platform.influx.write(stale.join('\n'));

    // Air: PM2.5 = hour + 10.4 through the day, every 5 minutes.
    const station = test.device('air-dongmen');
    await publish(station, Array.from({ length: 288 }, (_, i) => ({ ts: airDay + i * 300_000, pm25: Math.floor(i / 12) + 10.4, pm10: 40, so2: 5, no2: 20, o3: 60, co: 0.5 })));
    // Noise on a 4a road: a full day at 60 dB(A), then only 24 of the night's 96 points, at 65 (over 55).
    const noise = test.device('noise-buxin-road-1');
    const dayPoints = Array.from({ length: 192 }, (_, i) => ({ ts: noiseDay + 6 * hourMs + i * 300_000, leq: 60, lmax: 70 }));
    const nightPoints = Array.from({ length: 24 }, (_, i) => ({ ts: noiseDay + 22 * hourMs + i * 300_000, leq: 65, lmax: 72 }));
    await publish(noise, [...dayPoints, ...nightPoints]);
    // Grid: a 630 kVA transformer at 90 % from 22:00 to 02:00 (16 quarters over midnight), else 50 %.
    const transformer = test.device('grid-buxin-t1');
    const rated = Number(transformer.attributes.ratedKva);
    await publish(transformer, Array.from({ length: 72 }, (_, i) => {
      const ts = gridDay + 12 * hourMs + i * 15 * 60_000;
      const heavy = ts >= gridDay + 22 * hourMs && ts < gridDay + 26 * hourMs;
      return { ts, activePower: (rated * (heavy ? 90 : 50)) / 100 };
    }));
    await test.platform.ingest.drain();
    await test.platform.rollups.runOnce();

    // Water: 深圳水库 every day of 2025; the eight river sections January to November only.
    const water = test.platform.registry.devices.filter((device) => device.family === 'water');
    const reservoir = water.filter((device) => device.attributes.waterbody === 'reservoir');
    const rivers = water.filter((device) => device.attributes.waterbody === 'river');
    const connection = { url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, seed: 2025, stepMs: { water: dayMs }, concurrency: 8 };
    await backfill({ ...connection, devices: reservoir, fromMs: yearStart, toMs: yearEnd });
    await backfill({ ...connection, devices: rivers, fromMs: yearStart, toMs: at('2025-12-01T00:00:00') });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(yearStart, yearEnd, ['water']);
    report = await api<ComplianceReport>('/api/v1/compliance?period=2025');
  }, 300_000);
  afterAll(async () => {
    await test?.close();
  });
  const target = (id: string) => report.targets.find((t) => t.id === id)!;

  it('1: labels an hourly mean by the end of its hour (HJ 663), the day keeping 01:00 … 24:00 and its daily mean', async () => {
    const hours = await rows(`SELECT "pm25_ugm3", "aqi" FROM "air_hourly" WHERE "device" = 'air-dongmen' AND time >= ${airDay}ms AND time <= ${airDay + dayMs}ms`);
    expect(hours.map((hour) => hour.time)).toEqual(Array.from({ length: 24 }, (_, h) => airDay + (h + 1) * hourMs));
    expect(hours[0]!.pm25_ugm3 as number).toBeCloseTo(10.4, 9); // 00:00-01:00, labelled 01:00
    expect(hours[23]!.pm25_ugm3 as number).toBeCloseTo(33.4, 9); // 23:00-24:00, labelled 24:00
    const [daily] = await rows(`SELECT "pm25_ugm3" FROM "air_daily" WHERE "device" = 'air-dongmen' AND time = ${airDay}ms`);
    expect(daily!.pm25_ugm3 as number).toBeCloseTo(21.9, 9);
  });

  it('1: rewrites hourly rollups of the old schema on the next run, and marks the schema', async () => {
    expect(await rows('SELECT count("stale_field") FROM "air_hourly"')).toEqual([]);
    const [old] = await rows(`SELECT * FROM "air_hourly" WHERE "device" = 'air-nanhu' AND time = ${staleDay + 5 * hourMs}ms`);
    expect(old?.pm25_ugm3 ?? null).toBeNull();
    const [marker] = await rows('SELECT last("version") FROM "rollup_schema"');
    expect(marker!.last).toBe(ROLLUP_SCHEMA_VERSION);
  });

  it('13, 14: /api/v1/aqi reads bare dates as Beijing days and answers at the reporting precision', async () => {
    type Answer = { points: Array<{ time: string; pm25: number }>; conventions: Record<string, string> };
    const byDay = await api<Answer>('/api/v1/aqi?station=air-dongmen&from=2025-03-11&to=2025-03-12&resolution=day');
    expect(byDay.points.map((point) => point.time)).toEqual([new Date(airDay).toISOString()]);
    expect(byDay.points[0]!.pm25).toBe(22);
    const byHour = await api<Answer>('/api/v1/aqi?station=air-dongmen&from=2025-03-11&to=2025-03-12&resolution=hour');
    expect(byHour.points).toHaveLength(24);
    expect(byHour.points[0]).toMatchObject({ time: new Date(airDay + hourMs).toISOString(), pm25: 10 });
    expect(byHour.points[23]).toMatchObject({ time: new Date(airDay + dayMs).toISOString(), pm25: 33 });
    expect(byHour.conventions.rounding).toMatch(/GB\/T 8170/);
    const local = await api<Answer>('/api/v1/aqi?station=air-dongmen&from=2025-03-11T00:00&to=2025-03-11T02:00&resolution=hour');
    expect(local.points.map((point) => point.time)).toEqual([airDay + hourMs, airDay + 2 * hourMs].map((ms) => new Date(ms).toISOString()));
    // An impossible day is refused by name, not rolled over into March.
    const bad = await fetch(`${test.endpoints.httpUrl}/api/v1/aqi?station=air-dongmen&from=2025-02-30&to=2025-03-12`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT', message: expect.stringContaining('from') });
  });

  it('5: a night with 24 of 96 points keeps its Leq and coverage but is no exceedance', async () => {
    const [night] = await rows(`SELECT * FROM "noise_daily" WHERE "device" = 'noise-buxin-road-1' AND time = ${noiseDay}ms`);
    expect(night).toMatchObject({ night_points: 24, night_coverage: 0.25, night_complete: 0, day_coverage: 1, day_complete: 1, day_exceeds: 0 });
    expect(night!.night_exceeds ?? null).toBeNull();
    expect(night!.night_leq_dba as number).toBeCloseTo(65, 9);
    const noise = target('trunk-road-night-noise');
    expect(noise.details).toMatchObject({ nightsComplete: 0, nightsIncomplete: 1, meanNightCoverage: 0.25 });
    expect(noise.value).toBeNull();
  });

  it('9: a heavy load from 22:00 to 02:00 is one event of 4 h, on the day it starts', async () => {
    const events = await rows(`SELECT * FROM "grid_events" WHERE "device" = 'grid-buxin-t1'`);
    expect(events.map((event) => [event.time, event.kind, event.duration_min])).toEqual([[gridDay + 22 * hourMs, 'heavy', 240]]);
    const days = await rows(`SELECT "heavy_events", "heavy_hours" FROM "grid_daily" WHERE "device" = 'grid-buxin-t1'`);
    expect(days.map((day) => [day.time, day.heavy_events, day.heavy_hours])).toEqual([[gridDay, 1, 2], [gridDay + dayMs, 0, 2]]);
  });

  it('3: 深圳水库 is a reservoir section at Class II every month, TN reported beside the class', async () => {
    const months = await rows(`SELECT "class", "tn_class", "target_class" FROM "water_monthly" WHERE "device" = 'water-shenzhen-reservoir'`);
    expect(months).toHaveLength(12);
    expect(new Set(months.map((month) => month.class))).toEqual(new Set(['II']));
    expect(months.every((month) => month.target_class === 'II' && ['III', 'IV', 'V'].includes(String(month.tn_class)))).toBe(true);
    expect(target('drinking-water-source-class-ii')).toMatchObject({ value: 100, status: 'met', completeness: 1 });
    expect(target('drinking-water-source-class-ii').provenance[0]!.rounding).toMatch(/half to even/);
  });

  it('17: status, value and completeness agree for every measured target', () => {
    // Rivers lack December: 88 of 96 section-months, so neither complete nor sufficient.
    expect(target('main-sections-class-v-share')).toMatchObject({ completeness: 0.916, status: 'insufficient data' });
    // No parking data at all: no value.
    expect(target('off-peak-shared-parking')).toMatchObject({ value: null, completeness: 0, status: 'insufficient data' });
    for (const t of report.targets.filter((candidate) => candidate.status !== 'manual')) {
      if (t.completeness === 0) expect([t.id, t.value, t.status]).toEqual([t.id, null, 'insufficient data']);
      if (t.completeness === 1) expect(t.status, t.id).not.toBe('insufficient data');
      if (t.value === null) expect(t.status, t.id).toBe('insufficient data');
    }
  });

  it('4, 6: the report states water rounding, heavy-load hours and noise coverage with their sources', async () => {
    const markdown = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025`)).json()) as ComplianceReport;
    const { formatMarkdown } = await import('../../services/compliance/report-format.ts');
    const text = formatMarkdown(markdown, 'en');
    expect(text).toContain('15-minute load-rate points at ≥ 80 % × 0.25 h');
    expect(text).toContain('NH3-N 2, TP 3');
    expect(text).toContain('HJ 906-2017');
    expect(text).toContain('hour labels');
    expect(target('no-heavily-loaded-transformers').details).toMatchObject({ heavyLoadHoursDefinition: expect.stringContaining('0.25 h') });
  });
});

describe('a schema migration interrupted between its delete and its recomputation', () => {
  let test: TestPlatform | undefined;
  afterAll(async () => {
    await test?.close();
  });

  it('finds the recorded span again and recomputes it, then marks the schema', async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    const station = test.device('air-dongmen');
    const client = await test.connect(station);
    await client.publishAsync(test.topics.build('air', station.id, 'telemetry'), JSON.stringify(Array.from({ length: 12 }, (_, i) => ({ ts: airDay + i * 300_000, pm25: 40 }))), { qos: 1 });
    await test.platform.ingest.drain();
    // The old rollups were deleted, then the process died: only the record of their span is left.
    const day = Math.floor((airDay + 8 * hourMs) / dayMs);
    await test.platform.influx.write(`rollup_migration,family=air first_day=${day - 1}i,last_day=${day}i ${Date.now()}`);
    const windows = await test.platform.rollups.runOnce();
    // The readings mark their day and the next; the day before comes only from the record.
    expect(windows.filter((window) => window.family === 'air').map((window) => window.day)).toEqual([day - 1, day, day + 1]);
    const [hour] = (await test.platform.influx.query(`SELECT "pm25_ugm3" FROM "air_hourly" WHERE "device" = 'air-dongmen' AND time = ${airDay + hourMs}ms`))[0]!.values;
    expect(hour![1]).toBe(40);
    const [marker] = (await test.platform.influx.query('SELECT last("version") FROM "rollup_schema"'))[0]!.values;
    expect(marker![1]).toBe(ROLLUP_SCHEMA_VERSION);
  });
});
