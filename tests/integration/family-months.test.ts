import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTags } from '../../services/registry/device-tags.ts';
import { encodePoint, type FieldType } from '../../services/storage/line-protocol.ts';
import { formatMarkdown } from '../../services/compliance/report-format.ts';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import type { OfficialReport } from '../../services/reports/official-report.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const july10 = Date.parse('2025-07-10T00:00:00+08:00');
const july11 = july10 + DAY;
const august1 = Date.parse('2025-08-01T00:00:00+08:00');
const july = Date.parse('2025-07-01T00:00:00+08:00');

async function rows(test: TestPlatform, query: string): Promise<Array<Record<string, unknown>>> {
  const series = await test.platform.influx.query(query);
  return series.flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((column, i) => [column, row[i]])) })));
}

/**
 * Issue 25, item 4, against the real InfluxDB: the months and the stations a family module declares
 * (`rollupSummary`) are written by the rollup engine from the days it wrote, per charger, per
 * station and per rain gauge, and a day recomputed rewrites its month.
 */
describe('monthly and per-station rollups from a family module’s summary', () => {
  let test: TestPlatform;
  // One reading an hour; the state of each hour of a day, and the energy delivered by the day's end.
  const write = async (device: string, dayStartMs: number, fields: (hour: number) => Record<string, readonly [number, FieldType]>) => {
    const record = test.device(device);
    const lines = Array.from({ length: 24 }, (_, hour) => encodePoint({
      measurement: record.family === 'ev_charging' ? 'ev_charging' : 'waterlogging',
      tags: deviceTags(record),
      fields: Object.entries(fields(hour)).map(([name, [value, type]]) => [name, value, type] as const),
      timeMs: dayStartMs + hour * HOUR,
    }));
    await test.platform.influx.write(lines.join('\n'));
  };
  const charger = (state: (hour: number) => number, energy: number) => (hour: number) => ({ state_code: [state(hour), 'int'] as const, energy_today_kwh: [hour === 23 ? energy : 0, 'float'] as const });

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    // ev-dongmen-1: 10 July all idle; 11 July faulty the first 12 hours. ev-dongmen-2: offline 6 hours on the 10th, then charging; idle on the 11th.
    await write('ev-dongmen-1', july10, charger(() => 0, 40));
    await write('ev-dongmen-1', july11, charger((hour) => (hour < 12 ? 2 : 0), 10));
    await write('ev-dongmen-2', july10, charger((hour) => (hour < 6 ? 3 : 1), 300));
    await write('ev-dongmen-2', july11, charger(() => 0, 0));
    await write('ev-dongmen-1', august1, charger(() => 2, 0));
    // A rain gauge: 1 mm an hour on the 10th, 2 mm an hour for 12 hours on the 11th.
    await write('waterlogging-rain-dongmen', july10, () => ({ rain_mm: [1, 'float'] }));
    await write('waterlogging-rain-dongmen', july11, (hour) => ({ rain_mm: [hour < 12 ? 2 : 0, 'float'] }));
    await test.platform.rollups.recomputeRange(july10, july11 + DAY, ['ev_charging', 'waterlogging']);
    await test.platform.rollups.recomputeRange(august1, august1 + DAY, ['ev_charging']);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('gives each charger its month: shares of all its readings, energy summed over the days', async () => {
    const months = await rows(test, `SELECT * FROM "ev_charging_monthly" WHERE "station" = 'dongmen' GROUP BY "device"`);
    const of = (device: string, at: number) => months.find((row) => row.device === device && row.time === at);
    expect(of('ev-dongmen-1', july)).toMatchObject({ available_pct: 75, fault_pct: 25, offline_pct: 0, energy_kwh: 50, readings: 48, street: 'dongmen' });
    expect(of('ev-dongmen-2', july)).toMatchObject({ available_pct: 87.5, charging_pct: 37.5, offline_pct: 12.5, energy_kwh: 300, readings: 48 });
    // August is a month of its own.
    expect(of('ev-dongmen-1', august1)).toMatchObject({ available_pct: 0, fault_pct: 100, readings: 24 });
  });

  it('gives each station its day and month: the share of all its chargers’ readings', async () => {
    const days = await rows(test, `SELECT * FROM "ev_charging_station_daily" WHERE "station" = 'dongmen'`);
    expect(days.find((row) => row.time === july10)).toMatchObject({ available_pct: 87.5, offline_pct: 12.5, fault_pct: 0, energy_kwh: 340, readings: 48, street: 'dongmen' });
    expect(days.find((row) => row.time === july11)).toMatchObject({ available_pct: 75, fault_pct: 25, energy_kwh: 10 });
    const [month] = await rows(test, `SELECT * FROM "ev_charging_station_monthly" WHERE "station" = 'dongmen' AND time = ${july}ms`);
    expect(month).toMatchObject({ available_pct: 81.25, fault_pct: 12.5, offline_pct: 6.25, energy_kwh: 350, readings: 96 });
    // Stations with no readings get no point (not a 0 % availability).
    expect(await rows(test, `SELECT * FROM "ev_charging_station_monthly" WHERE "station" = 'guiyuan'`)).toEqual([]);
  });

  it('gives each rain gauge its month of rain', async () => {
    const [month] = await rows(test, `SELECT * FROM "waterlogging_monthly" WHERE "device" = 'waterlogging-rain-dongmen'`);
    expect(month).toMatchObject({ time: july, rain_mm: 48, max_hour_rain_mm: 2, valid_hours: 48, gauge: 'rain' });
  });

  it('serves a day\'s key figures for the screen, marked as having no plan target', async () => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/compliance/figures?day=2025-07-10`);
    expect(response.status).toBe(200);
    const { day, figures } = (await response.json()) as { day: string; figures: Array<Record<string, unknown>> };
    expect(day).toBe('2025-07-10');
    const availability = figures.find((f) => f.field === 'available_pct')!;
    expect(availability).toMatchObject({ value: 87.5, devices: 2, planTarget: null, groups: [{ group: 'dongmen', value: 87.5 }] });
    expect(figures.find((f) => f.field === 'rain_mm')).toMatchObject({ value: 24, devices: 1, planTarget: null });
    // Figures of a family no one measured that day are null, never 0.
    expect(figures.find((f) => f.field === 'max_depth_cm')).toMatchObject({ value: null, devices: 0 });
    const bad = await fetch(`${test.endpoints.httpUrl}/api/v1/compliance/figures?day=2025-13-45`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('WX_ERR_INVALID_ARGUMENT');
  });

  it('puts the figures in the report as figures without a plan target: text, tables (page and workbook) with the months', async () => {
    const compliance = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025`)).json()) as ComplianceReport;
    // The year holds July and 1 August (ev-dongmen-1 faulty all day): 36 of the 120 readings in fault.
    expect(compliance.withoutTarget?.find((f) => f.field === 'fault_pct')).toMatchObject({ value: 30, planTarget: null });
    const text = formatMarkdown(compliance, 'en');
    expect(text).toContain('## Monitored figures without a plan target');
    expect(text).toMatch(/\| Availability \| district \(2 devices with data\) \| 65 % \| no plan target \|/);
    expect(formatMarkdown(compliance, 'zh')).toContain('规划未设数值目标');
    const official = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/reports/families?period=2025&lang=en`)).json()) as OfficialReport;
    const table = official.tables.find((t) => t.id === 'families')!;
    const station = table.rows.find((row) => row.figure === 'Availability' && row.scope === 'Station Dongmen')!;
    expect(station).toMatchObject({ m7: 81.25, m8: 0, m1: null, period: 65, target: 'no plan target' });
    const page = await (await fetch(`${test.endpoints.httpUrl}/report?period=2025&lang=en`)).text();
    expect(page).toContain('<section id="families"');
    expect(page).toContain('no plan target');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await (await fetch(`${test.endpoints.httpUrl}/api/v1/reports?period=2025&lang=en&format=xlsx`)).arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.worksheets.find((ws) => ws.name === 'Other monitoring')!;
    const cells = sheet.getSheetValues().filter((row): row is ExcelJS.CellValue[] => Array.isArray(row)).map((row) => row.slice(1));
    expect(cells.find((row) => row[2] === 'Station Dongmen' && row[1] === 'Availability')).toEqual(expect.arrayContaining([81.25, 0, 65, 'no plan target']));
  });

  it('rewrites a month when one of its days is recomputed, and to the same values when nothing changed', async () => {
    const before = await rows(test, `SELECT * FROM "ev_charging_monthly" GROUP BY "device"`);
    await test.platform.rollups.recomputeRange(july10, july11 + DAY, ['ev_charging']);
    expect(await rows(test, `SELECT * FROM "ev_charging_monthly" GROUP BY "device"`)).toEqual(before);
    // A late day: ev-dongmen-2 faulty all of 12 July.
    await write('ev-dongmen-2', july11 + DAY, charger(() => 2, 0));
    await test.platform.rollups.recomputeRange(july11 + DAY, july11 + 2 * DAY, ['ev_charging']);
    const [station] = await rows(test, `SELECT * FROM "ev_charging_station_monthly" WHERE "station" = 'dongmen' AND time = ${july}ms`);
    expect(station).toMatchObject({ readings: 120, fault_pct: 30 });
  });
});
