import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfficialReport } from '../../services/reports/official-report.ts';
import { parseRegistry } from '../../services/registry/device-registry.ts';
import { deviceTags } from '../../services/registry/device-tags.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const july = Date.parse('2025-07-01T00:00:00+08:00');
const july10 = Date.parse('2025-07-10T00:00:00+08:00');
const july11 = july10 + DAY;
const july12 = july11 + DAY;

/** Readings every `stepMs` over [fromMs, toMs). */
const times = (fromMs: number, toMs: number, stepMs = 5 * MINUTE) => Array.from({ length: Math.ceil((toMs - fromMs) / stepMs) }, (_, i) => fromMs + i * stepMs);

async function rows(test: TestPlatform, query: string): Promise<Array<Record<string, unknown>>> {
  const series = await test.platform.influx.query(query);
  return series.flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((column, i) => [column, row[i]])) })));
}

/**
 * Issue 25, against the real InfluxDB: a depth gauge's hours and days are valid or not as an air
 * station's are (45 minutes of readings an hour, 20 valid hours a day, counted against the gauge's
 * registered 5 minutes); an invalid day has no depth figures and counts in no month, no day's
 * figures and no report, even when its stored point still holds the figures of when it was valid.
 */
describe('the validity of a depth gauge\'s hours and days', () => {
  let test: TestPlatform;
  const day = async (device: string, dayMs: number) => (await rows(test, `SELECT * FROM "waterlogging_daily" WHERE "device" = '${device}' AND time = ${dayMs}ms`))[0];
  const hour = async (device: string, hourMs: number) => (await rows(test, `SELECT * FROM "waterlogging_hourly" WHERE "device" = '${device}' AND time = ${hourMs}ms`))[0];
  const month = async (device: string) => (await rows(test, `SELECT * FROM "waterlogging_monthly" WHERE "device" = '${device}' AND time = ${july}ms`))[0];
  const figures = async (date: string) => ((await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance/figures?day=${date}`)).json()) as { figures: Array<{ field: string; value: number | null; devices: number }> }).figures;
  const reportRow = async (figure: string) => {
    const report = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/reports/families?period=2025&lang=en`)).json()) as OfficialReport;
    return report.tables.find((t) => t.id === 'families')!.rows.find((row) => row.figure === figure && row.scope === 'District')!;
  };

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    const lines: string[] = [];
    const write = (device: string, at: readonly number[], depth: (timeMs: number) => number) => {
      const record = test.device(device);
      for (const timeMs of at) lines.push(encodePoint({ measurement: 'waterlogging', tags: deviceTags(record), fields: [['depth_cm', depth(timeMs), 'float']], timeMs }));
    };
    const between = (timeMs: number, fromHour: number, toHour: number, dayMs: number) => timeMs >= dayMs + fromHour * HOUR && timeMs < dayMs + toHour * HOUR;
    // Full coverage both days: 30 cm 14-16, 18 cm 16-17 on the 10th; dry all the 11th (a valid day of 0 cm).
    write('waterlogging-sungang-underpass', times(july10, july12), (t) => (between(t, 14, 16, july10) ? 30 : between(t, 16, 17, july10) ? 18 : 0));
    // Full on the 10th (33 cm 08-12); on the 11th silent from 19:00, with 45 cm 10-13: 19 valid hours.
    write('waterlogging-liantang-underpass', times(july10, july11), (t) => (between(t, 8, 12, july10) ? 33 : 0));
    write('waterlogging-liantang-underpass', times(july11, july11 + 19 * HOUR), (t) => (between(t, 10, 13, july11) ? 45 : 0));
    // Every other reading lost all the 12th (one every 10 min): against its registered 5 min, 30-minute hours.
    write('waterlogging-cuizhu-lowroad', times(july12, july12 + DAY, 10 * MINUTE), () => 20);
    // Beijing 03:20 on the 10th to 04:00 on the 11th (19:20 UTC on the 9th to 20:00 UTC on the 10th):
    // 03-04 has 40 minutes, 12-13 has exactly 45 (12:15-12:55); 10 cm on the 10th, 35 cm from 00:00 on the 11th.
    const boundary = times(july10 + 3 * HOUR + 20 * MINUTE, july11 + 4 * HOUR).filter((t) => !(t >= july10 + 12 * HOUR && t < july10 + 12 * HOUR + 15 * MINUTE));
    write('waterlogging-dongmen-lowroad', boundary, (t) => (t >= july11 ? 35 : 10));
    await test.platform.influx.write(lines.join('\n'));
    await test.platform.rollups.recomputeRange(july10, july12 + DAY, ['waterlogging']);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('gives a gauge with full coverage a valid day beside its deepest water and hours, and valid hours', async () => {
    expect(test.device('waterlogging-sungang-underpass').reportIntervalMs).toBe(5 * MINUTE);
    expect(await day('waterlogging-sungang-underpass', july10)).toMatchObject({ valid: 1, valid_hours: 24, coverage_pct: 100, max_depth_cm: 30, hours_caution: 3, hours_impassable: 2, gauge: 'depth' });
    // A valid dry day is 0 cm and 0 hours: a figure, counted.
    expect(await day('waterlogging-sungang-underpass', july11)).toMatchObject({ valid: 1, valid_hours: 24, max_depth_cm: 0, hours_impassable: 0 });
    expect(await hour('waterlogging-sungang-underpass', july10 + 14 * HOUR)).toMatchObject({ max_depth_cm: 30, coverage_min: 60, valid: 1 });
    expect(await rows(test, `SELECT "valid" FROM "waterlogging_hourly" WHERE "device" = 'waterlogging-sungang-underpass' AND time >= ${july10}ms AND time < ${july11}ms`)).toHaveLength(24);
  });

  it('marks a day of 19 valid hours invalid, without depth figures, and leaves it out of the month', async () => {
    const invalid = await day('waterlogging-liantang-underpass', july11);
    expect(invalid).toMatchObject({ valid: 0, valid_hours: 19, coverage_pct: 79.17, max_depth_cm: null, hours_caution: null, hours_impassable: null });
    // Its hours are valid ones: the water was seen, the day is too short to count.
    expect(await hour('waterlogging-liantang-underpass', july11 + 10 * HOUR)).toMatchObject({ max_depth_cm: 45, valid: 1 });
    // The month has the 10th alone: 33 cm and 4 hours, not the 11th's 45 cm and 3 more hours.
    expect(await month('waterlogging-liantang-underpass')).toMatchObject({ valid: 1, max_depth_cm: 33, hours_caution: 4, hours_impassable: 4, valid_hours: 24 });
    expect(await month('waterlogging-sungang-underpass')).toMatchObject({ valid: 1, max_depth_cm: 30, hours_caution: 3, hours_impassable: 2, valid_hours: 48 });
  });

  it('counts readings against the registered interval: every other reading lost is no valid hour, and a month of no valid day has no figure', async () => {
    expect(await day('waterlogging-cuizhu-lowroad', july12)).toMatchObject({ valid: 0, valid_hours: 0, coverage_pct: 50, max_depth_cm: null });
    expect(await hour('waterlogging-cuizhu-lowroad', july12 + 9 * HOUR)).toMatchObject({ coverage_min: 30, valid: 0, max_depth_cm: null });
    const empty = await month('waterlogging-cuizhu-lowroad');
    expect(empty).toMatchObject({ valid: 0, max_depth_cm: null, hours_impassable: null });
  });

  it('splits hours at the clock hour and days at Beijing midnight', async () => {
    const gauge = 'waterlogging-dongmen-lowroad';
    // 03:20-03:55 is 40 minutes: invalid (the 04:00 reading is the next hour's, whose 12 make 60); 12:15-12:55 is 45: valid.
    expect(await hour(gauge, july10 + 3 * HOUR)).toMatchObject({ coverage_min: 40, valid: 0, max_depth_cm: null });
    expect(await hour(gauge, july10 + 4 * HOUR)).toMatchObject({ coverage_min: 60, valid: 1 });
    expect(await hour(gauge, july10 + 12 * HOUR)).toMatchObject({ coverage_min: 45, valid: 1, max_depth_cm: 10 });
    // The 10th in Beijing: hours 04-23, exactly 20, a valid day; the 35 cm from 00:00 on the 11th
    // (still the 10th in UTC) is the 11th's, whose four hours are no valid day.
    expect(await day(gauge, july10)).toMatchObject({ valid: 1, valid_hours: 20, max_depth_cm: 10, coverage_pct: 85.07 });
    expect(await hour(gauge, july10 + 23 * HOUR)).toMatchObject({ max_depth_cm: 10, coverage_min: 60 });
    expect(await hour(gauge, july11)).toMatchObject({ max_depth_cm: 35, coverage_min: 60, valid: 1 });
    expect(await day(gauge, july11)).toMatchObject({ valid: 0, valid_hours: 4, max_depth_cm: null });
    expect(await month(gauge)).toMatchObject({ valid: 1, max_depth_cm: 10, valid_hours: 20 });
  });

  it('gives a day\'s figures and the report\'s from valid days only: an invalid day is no figure, never 0', async () => {
    const tenth = await figures('2025-07-10');
    expect(tenth.find((f) => f.field === 'max_depth_cm')).toMatchObject({ value: 33, devices: 3 });
    // On the 11th only the dry underpass has a valid day: 0 cm from one gauge, not 45 cm or 35 cm.
    const eleventh = await figures('2025-07-11');
    expect(eleventh.find((f) => f.field === 'max_depth_cm')).toMatchObject({ value: 0, devices: 1 });
    expect(eleventh.find((f) => f.field === 'hours_impassable')).toMatchObject({ value: 0, devices: 1 });
    // On the 12th the only gauge that reported has no valid day: no figure, not 0 cm.
    expect((await figures('2025-07-12')).find((f) => f.field === 'max_depth_cm')).toMatchObject({ value: null, devices: 0 });
    expect(await reportRow('Deepest water')).toMatchObject({ m7: 33, m8: null, period: 33 });
    expect(await reportRow('Hours impassable (longest point)')).toMatchObject({ m7: 4, period: 4 });
  });

  it('never counts a day that became invalid by the figures its stored point kept from when it was valid', async () => {
    // The liantang gauge is found to report every minute: its 5-minute readings now make 12-minute hours.
    const file = structuredClone(test.platform.registry.file);
    file.devices.find((device) => device.id === 'waterlogging-liantang-underpass')!.reportIntervalMs = MINUTE;
    test.platform.registry.replace(parseRegistry(file));
    await test.platform.rollups.recomputeRange(july10, july11, ['waterlogging']);
    // InfluxDB merged the new fields into the stored point (the engine never deletes): the old depth stays beside valid = 0.
    expect(await day('waterlogging-liantang-underpass', july10)).toMatchObject({ valid: 0, valid_hours: 0, max_depth_cm: 33 });
    expect(await month('waterlogging-liantang-underpass')).toMatchObject({ valid: 0 });
    expect((await figures('2025-07-10')).find((f) => f.field === 'max_depth_cm')).toMatchObject({ value: 30, devices: 2 });
    expect(await reportRow('Deepest water')).toMatchObject({ m7: 30, period: 30 });
    expect(await reportRow('Hours impassable (longest point)')).toMatchObject({ m7: 2, period: 2 });
  });
});
