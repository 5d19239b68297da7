import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import { parseRegistry } from '../../services/registry/device-registry.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { dailyAqi, evaluateWaterSection, type WaterTargetClass } from '../../services/standards/index.ts';
import { backfill } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const run = promisify(execFile);
const yearStart = Date.parse('2025-01-01T00:00:00+08:00');
const yearEnd = Date.parse('2026-01-01T00:00:00+08:00');
const hourMs = 3_600_000;
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * A year of the district backfilled by the simulators (coarser steps than live, to keep the
 * test short), rolled up, and reported; each figure is then recomputed here from the raw
 * points with InfluxQL and plain arithmetic, not through the rollups.
 */
describe('a backfilled year, its compliance report, and an independent recomputation', () => {
  let test: TestPlatform;
  let report: ComplianceReport;
  let devices: DeviceRecord[];
  const values = async (query: string) => (await test.platform.influx.query(query)).map((series) => ({ tags: series.tags ?? {}, rows: series.values }));

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 5 * 365 * 86_400_000 }, rollups: { enabled: false } });
    // The year is backfilled hourly (air, noise), as from stations set to report hourly values: they are
    // registered so (the seeded 5 minutes would count each hourly reading as 5 minutes, issue 22 item 9).
    const file = structuredClone(test.platform.registry.file);
    for (const device of file.devices) if (device.family === 'air' || device.family === 'noise') device.reportIntervalMs = hourMs;
    test.platform.registry.replace(parseRegistry(file));
    const all = test.platform.registry.devices;
    devices = [
      ...all.filter((d) => d.family === 'air' || d.family === 'water'),
      ...all.filter((d) => d.family === 'noise' && d.attributes.zoneClass === '4a'),
      ...all.filter((d) => d.attributes.level === 'transformer').slice(0, 3),
      ...all.filter((d) => d.family === 'parking').slice(0, 3),
    ];
    await backfill({
      url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, fromMs: yearStart, toMs: yearEnd, seed: 2025,
      stepMs: { air: hourMs, noise: hourMs, parking: hourMs, grid: 15 * 60_000, water: 4 * hourMs }, concurrency: 16,
    });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(yearStart, yearEnd);
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025`);
    report = (await response.json()) as ComplianceReport;
  }, 600_000);
  afterAll(async () => {
    await test?.close();
  });
  const target = (id: string) => report.targets.find((t) => t.id === id)!;

  it('reports the PM2.5 annual mean that the raw points give', async () => {
    const daily = await values(`SELECT mean("pm25_ugm3") FROM "air_quality" WHERE time >= ${yearStart}ms AND time < ${yearEnd}ms GROUP BY time(1d, -8h), "device"`);
    const byDay = new Map<number, number[]>();
    for (const { rows } of daily) for (const [time, mean] of rows) if (mean !== null) byDay.set(Number(time), [...(byDay.get(Number(time)) ?? []), Number(mean)]);
    const district = [...byDay.values()].map((stations) => stations.reduce((a, b) => a + b, 0) / stations.length);
    const annual = round1(district.reduce((a, b) => a + b, 0) / district.length);
    expect(district).toHaveLength(365);
    expect(target('pm25-annual-mean').value).toBe(annual);
    expect(annual).toBeGreaterThan(15);
    expect(annual).toBeLessThan(23);
    expect(target('pm25-annual-mean').status).toBe('met');
    expect(target('pm25-annual-mean').completeness).toBe(1);
  });

  it('reports the good-air-day ratio that the raw points give', async () => {
    const hourly = await values(`SELECT "pm25_ugm3", "pm10_ugm3", "so2_ugm3", "no2_ugm3", "co_mgm3", "o3_ugm3" FROM "air_quality" WHERE time >= ${yearStart}ms AND time < ${yearEnd}ms`);
    const sums = new Map<number, number[]>(); // hour → summed pollutants, count last
    for (const [time, ...pollutants] of hourly[0]!.rows) {
      const hour = Math.floor(Number(time) / hourMs) * hourMs;
      const sum = sums.get(hour) ?? [0, 0, 0, 0, 0, 0, 0];
      pollutants.forEach((value, i) => (sum[i]! += Number(value)));
      sum[6]! += 1;
      sums.set(hour, sum);
    }
    let good = 0;
    for (let day = yearStart; day < yearEnd; day += 24 * hourMs) {
      const hours = Array.from({ length: 24 }, (_, h) => sums.get(day + h * hourMs)!.map((value, i, all) => (i < 6 ? value / all[6]! : value)));
      const mean = (i: number) => hours.reduce((s, h) => s + h[i]!, 0) / 24;
      const o3 = hours.map((h) => h[5]!);
      const o3EightHour = Math.max(...Array.from({ length: 17 }, (_, w) => o3.slice(w, w + 8).reduce((a, b) => a + b, 0) / 8));
      const aqi = dailyAqi({ pm25: mean(0), pm10: mean(1), so2: mean(2), no2: mean(3), co: mean(4), o3_8h: o3EightHour, o3_1h: Math.max(...o3) }, { day }).aqi!;
      if (aqi <= 100) good += 1;
    }
    expect(target('good-air-day-ratio').value).toBe(Math.round((good / 365) * 1_000) / 10);
    expect(target('good-air-day-ratio').standards).toEqual(['HJ 633-2012']);
  });

  it('classes each named river section from its annual mean concentrations', async () => {
    for (const id of ['section-shenzhen-river-mouth', 'section-buji-river-mouth']) {
      const section = devices.find((d) => d.site === id.replace('section-', ''))!;
      const [row] = (await values(`SELECT mean("ph"), mean("do_mgl"), mean("codmn_mgl"), mean("cod_mgl"), mean("nh3n_mgl"), mean("tp_mgl"), mean("tn_mgl") FROM "water_quality" WHERE "device" = '${section.id}' AND time >= ${yearStart}ms AND time < ${yearEnd}ms`))[0]!.rows;
      const [, ph, dissolved, codmn, cod, nh3n, tp, tn] = row!.map(Number);
      const expected = evaluateWaterSection({ ph, do: dissolved, codmn, cod, nh3n, tp, tn }, { waterbody: 'river', targetClass: section.attributes.targetClass as WaterTargetClass });
      expect(target(id).value, id).toBe(expected.class);
    }
    expect(target('main-sections-class-v-share').value).toBe(100);
    // 深圳水库, the drinking-water source: Class II in every month, TN beside the class.
    expect(target('drinking-water-source-class-ii')).toMatchObject({ value: 100, status: 'met', completeness: 1 });
  });

  it('reports the loudest over-limit road’s night Leq as the energy average of its nights', async () => {
    const roads = ['buxin-road', 'yanhe-north-road', 'yanhe-south-road'];
    const raw = await values(`SELECT "leq_dba" FROM "noise" WHERE time >= ${yearStart}ms AND time < ${yearEnd + 6 * hourMs}ms GROUP BY "road", "device"`);
    const nightLeq = (road: string) => {
      const nights: number[] = [];
      for (const { rows } of raw.filter((series) => series.tags.road === road)) {
        const byNight = new Map<number, number[]>();
        for (const [time, leq] of rows) {
          const local = Number(time) - yearStart;
          const hourOfDay = Math.floor(local / hourMs) % 24;
          if (hourOfDay >= 6 && hourOfDay < 22) continue;
          const night = Math.floor((local - 22 * hourMs) / (24 * hourMs));
          if (night < 0 || night >= 365) continue;
          byNight.set(night, [...(byNight.get(night) ?? []), Number(leq)]);
        }
        // Only nights with ≥ 75 % of their 8 hourly readings count (the last night of the year has 2).
        for (const levels of byNight.values()) if (levels.length >= 6) nights.push(10 * Math.log10(levels.reduce((s, l) => s + 10 ** (l / 10), 0) / levels.length));
      }
      return 10 * Math.log10(nights.reduce((s, l) => s + 10 ** (l / 10), 0) / nights.length);
    };
    expect(target('trunk-road-night-noise').value).toBe(round1(Math.max(...roads.map(nightLeq))));
  });

  it('counts the transformers with a sustained heavy load found in the raw 15-minute series', async () => {
    const raw = await values(`SELECT "load_rate_pct" FROM "grid_load" WHERE time >= ${yearStart}ms AND time < ${yearEnd}ms GROUP BY "device"`);
    const heavy = raw.filter(({ rows }) => {
      // A run that crosses midnight is one run (one event).
      let run = 0;
      for (const [, rate] of rows) {
        run = Number(rate) >= 80 ? run + 1 : 0;
        if (run >= 8) return true;
      }
      return false;
    });
    expect(target('no-heavily-loaded-transformers').value).toBe(heavy.length);
    // only 3 of the registry's transformers were backfilled: the report says so
    expect(target('no-heavily-loaded-transformers').status).toBe('insufficient data');
  });

  it('marks manual indicators as such, and gives provenance for every measured one', () => {
    expect(target('greenway-length').status).toBe('manual');
    for (const measured of report.targets.filter((t) => t.status !== 'manual')) expect(measured.provenance.length, measured.id).toBeGreaterThan(0);
  });

  it('answers year-to-date and month periods, and the AQI endpoint', async () => {
    const month = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025-02`)).json()) as ComplianceReport;
    expect(month.period.kind).toBe('month');
    expect(month.targets.find((t) => t.id === 'pm25-annual-mean')!.completeness).toBe(1);
    const ytd = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025-YTD`)).json()) as ComplianceReport;
    expect(ytd.period).toMatchObject({ kind: 'ytd', complete: true });
    // Issue 22 item 4: a year outside the 2021-2025 plan has no target to hold.
    const outside = await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2026-YTD`);
    expect(outside.status).toBe(400);
    expect(await outside.json()).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    const bad = await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=last-year`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    const aqi = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/aqi?station=air-dongmen&from=2025-06-01T00:00:00%2B08:00&to=2025-06-03T00:00:00%2B08:00&resolution=day`)).json()) as { points: Array<{ aqi: number; standard: string }> };
    expect(aqi.points).toHaveLength(2);
    expect(aqi.points[0]!.standard).toBe('HJ 633-2012');
    const hours = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/aqi?station=air-dongmen&from=2025-06-01T00:00:00%2B08:00&to=2025-06-02T00:00:00%2B08:00&resolution=hour`)).json()) as { points: unknown[] };
    expect(hours.points).toHaveLength(24);
  });

  it('writes the report in Markdown (Chinese, or English with --lang en), CSV and JSON', async () => {
    const cwd = new URL('../..', import.meta.url).pathname;
    const md = (await run('node', ['bin/wanxiang.js', 'report', '--period', '2025', '--api', test.endpoints.httpUrl], { cwd })).stdout;
    expect(md).toContain('PM2.5年均浓度');
    const mdEn = (await run('node', ['bin/wanxiang.js', 'report', '--period', '2025', '--lang', 'en', '--api', test.endpoints.httpUrl], { cwd })).stdout;
    expect(mdEn).toContain('PM2.5 annual mean concentration');
    const csv = (await run('node', ['bin/wanxiang.js', 'report', '--period', '2025', '--format', 'csv', '--api', test.endpoints.httpUrl], { cwd })).stdout;
    expect(csv.trim().split('\n')).toHaveLength(report.targets.length + 1);
    const json = JSON.parse((await run('node', ['bin/wanxiang.js', 'report', '--period', '2025', '--format', 'json', '--api', test.endpoints.httpUrl], { cwd })).stdout);
    expect(json.targets).toHaveLength(report.targets.length);
  });
});
