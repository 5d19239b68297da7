import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSITE_DIVISORS, roundHalfEven } from '../../services/standards/index.ts';
import { waterLimit, type WaterTargetClass } from '../../services/standards/water-quality.ts';
import { backfill } from '../../simulators/backfill.ts';
import { runCli } from '../cli/run-cli.ts';
import { cjkOutside, latinOutsideTokens, visibleText } from '../helpers/one-language.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Issue 22 item 3: the bureau's tables as a workbook, read back with exceljs and held against
// /api/v1/aqi and /api/v1/compliance of the same platform.
const dayMs = 86_400_000;
const march = Date.parse('2025-03-01T00:00:00+08:00');
const marchLastYear = Date.parse('2024-03-01T00:00:00+08:00');
const april = Date.parse('2025-04-01T00:00:00+08:00');
const aprilLastYear = Date.parse('2024-04-01T00:00:00+08:00');

type Cells = Array<Record<string, ExcelJS.CellValue>>;
/** A sheet's data rows keyed by header (row 3), up to the first empty row. */
function table(sheet: ExcelJS.Worksheet): Cells {
  const headers = (sheet.getRow(3).values as ExcelJS.CellValue[]).slice(1).map(String);
  const rows: Cells = [];
  for (let r = 4; r <= sheet.rowCount; r += 1) {
    const row = sheet.getRow(r);
    if (!row.hasValues) break;
    rows.push(Object.fromEntries(headers.map((header, i) => [header, row.getCell(i + 1).value])));
  }
  return rows;
}

describe('official tables: the workbook', () => {
  let test: TestPlatform;
  let folder: string;
  const api = async <T>(path: string) => (await (await fetch(`${test.endpoints.httpUrl}${path}`)).json()) as T;
  const workbook = async (query: string) => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/reports?${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    return book;
  };

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    folder = await mkdtemp(join(tmpdir(), 'wanxiang-tables-'));
    const devices = test.platform.registry.devices;
    const connection = { url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics };
    const air = devices.filter((device) => device.family === 'air').slice(0, 6); // more than half the stations: the district's day needs them
    const water = devices.filter((device) => device.family === 'water');
    await backfill({ ...connection, devices: air, fromMs: march, toMs: march + 3 * dayMs, seed: 7 });
    await backfill({ ...connection, devices: air, fromMs: marchLastYear, toMs: marchLastYear + 3 * dayMs, seed: 8 });
    await backfill({ ...connection, devices: water, fromMs: march, toMs: march + 31 * dayMs, seed: 9 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(march, march + 31 * dayMs);
    await test.platform.rollups.recomputeRange(marchLastYear, marchLastYear + 3 * dayMs);
    // April: three days this year, one last year (a platform whose history begins late in last year's period).
    await backfill({ ...connection, devices: air, fromMs: april, toMs: april + 3 * dayMs, seed: 10 });
    await backfill({ ...connection, devices: air, fromMs: aprilLastYear + 2 * dayMs, toMs: aprilLastYear + 3 * dayMs, seed: 11 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(april, april + 3 * dayMs);
    await test.platform.rollups.recomputeRange(aprilLastYear, aprilLastYear + 3 * dayMs);
  }, 600_000);
  afterAll(async () => {
    await test?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('has one sheet a table, units in the headers, numbers as numbers agreeing with /api/v1/aqi', async () => {
    const book = await workbook('period=2025-03&lang=zh&format=xlsx');
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual(['空气质量日报', '地表水月报', '综合指数排名', '规划目标', '其他监测']);
    const daily = table(book.worksheets[0]!);
    expect(Object.keys(daily[0]!)).toEqual(expect.arrayContaining(['日期', '站点', 'PM₂.₅ (µg/m³)', 'CO (mg/m³)', 'O₃日最大8小时 (µg/m³)', 'IAQI PM₂.₅', 'AQI', '类别', '首要污染物']));
    const district = await api<{ points: Array<Record<string, number | null>> }>('/api/v1/aqi?station=district&from=2025-03-01&to=2025-03-04');
    const districtRows = daily.filter((row) => row['站点'] === '全区');
    expect(districtRows).toHaveLength(3);
    districtRows.forEach((row, i) => {
      const point = district.points[i]!;
      expect(row['日期']).toEqual(new Date(`2025-03-0${i + 1}T00:00:00Z`));
      expect(typeof row['PM₂.₅ (µg/m³)']).toBe('number');
      expect(row['PM₂.₅ (µg/m³)']).toBe(point.pm25);
      expect(row['O₃日最大8小时 (µg/m³)']).toBe(point.o3_8h);
      expect(row['CO (mg/m³)']).toBe(point.co);
      expect(row.AQI).toBe(point.aqi);
      // The AQI is the largest IAQI computed from the printed figures (HJ 633-2012 for 2025: seven indicators).
      const iaqis = Object.entries(row).filter(([header]) => header.startsWith('IAQI')).map(([, value]) => value).filter((value): value is number => typeof value === 'number');
      expect(Math.max(...iaqis)).toBe(point.aqi);
    });
    const station = test.platform.registry.devices.find((device) => device.family === 'air')!;
    const stationPoints = await api<{ points: Array<Record<string, number | null>> }>(`/api/v1/aqi?station=${station.id}&from=2025-03-01&to=2025-03-04`);
    expect(daily.filter((row) => row['站点'] === station.siteName).map((row) => [row['PM₁₀ (µg/m³)'], row['NO₂ (µg/m³)'], row.AQI])).toEqual(stationPoints.points.map((point) => [point.pm10, point.no2, point.aqi]));
  }, 300_000);

  it('gives each section its class, target and multiples (C − limit)/limit from the printed means', async () => {
    const book = await workbook('period=2025-03&lang=zh&format=xlsx');
    const water = table(book.worksheets[1]!);
    expect(water.length).toBe(test.platform.registry.devices.filter((device) => device.family === 'water').length);
    for (const row of water) {
      expect(row['月份']).toBe('2025-03');
      for (const [key, name] of [['tp', '总磷'], ['nh3n', '氨氮'], ['codmn', '高锰酸盐指数'], ['cod', '化学需氧量']] as const) {
        const concentration = row[`${name} (mg/L)`] as number;
        const limit = waterLimit(key, row['目标类别'] as WaterTargetClass, 'river')!;
        const expected = concentration > limit ? roundHalfEven((concentration - limit) / limit, 2) : null;
        if (row['水体类型'] === '河流') expect(row[`${name}超标倍数（以目标类别计）`] ?? null, `${String(row['断面'])} ${name}`).toBe(expected);
      }
      expect(row['是否达标']).toMatch(/^(是|否)$/);
    }
  }, 300_000);

  it('ranks stations by I = Σ Ci/Si of the printed Ci, with the change on last year', async () => {
    const book = await workbook('period=2025-03&lang=zh&format=xlsx');
    const ranking = table(book.worksheets[2]!);
    const stations = ranking.filter((row) => row['类别'] === '站点');
    expect(stations).toHaveLength(6);
    // Standard competition ranking: equal printed indices share a rank (this backfill has a tie).
    const indices = stations.map((row) => row['综合指数'] as number);
    expect(stations.map((row) => row['排名'])).toEqual(indices.map((index) => indices.indexOf(index) + 1));
    for (const row of stations) {
      const sum = (row['SO₂ (µg/m³)'] as number) / COMPOSITE_DIVISORS.so2 + (row['NO₂ (µg/m³)'] as number) / COMPOSITE_DIVISORS.no2 + (row['PM₁₀ (µg/m³)'] as number) / COMPOSITE_DIVISORS.pm10
        + (row['PM₂.₅ (µg/m³)'] as number) / COMPOSITE_DIVISORS.pm25 + (row['CO第95百分位 (mg/m³)'] as number) / COMPOSITE_DIVISORS.co + (row['O₃日最大8小时第90百分位 (µg/m³)'] as number) / COMPOSITE_DIVISORS.o3;
      expect(row['综合指数']).toBe(roundHalfEven(sum, 2));
      expect(typeof row['去年同期综合指数']).toBe('number');
      expect(row['同比变化 (%)']).toBe(roundHalfEven((((row['综合指数'] as number) - (row['去年同期综合指数'] as number)) / (row['去年同期综合指数'] as number)) * 100, 1));
    }
    expect((stations.map((row) => row['综合指数'] as number))).toEqual([...stations.map((row) => row['综合指数'] as number)].sort((a, b) => a - b));
    expect(ranking.some((row) => row['类别'] === '街道')).toBe(true);
  }, 300_000);

  it('leaves the same period last year empty where last year has too few days to stand comparison', async () => {
    const book = await workbook('period=2025-04&lang=zh&format=xlsx');
    const stations = table(book.worksheets[2]!).filter((row) => row['类别'] === '站点');
    expect(stations).toHaveLength(6);
    for (const row of stations) {
      expect(typeof row['综合指数']).toBe('number');
      // One day last year against three this year: no index "of last year", no change on it.
      expect([row['去年同期综合指数'] ?? null, row['同比变化 (%)'] ?? null]).toEqual([null, null]);
    }
  }, 300_000);

  it('puts the plan month by month, the period figure agreeing with /api/v1/compliance; in English with --lang en from the CLI', async () => {
    const compliance = await api<{ targets: Array<{ nameEn: string; value: number | string | null; status: string }> }>('/api/v1/compliance?period=2025-03');
    const out = join(folder, 'report.xlsx');
    const run = await runCli(['report', '--period', '2025-03', '--format', 'xlsx', '--lang', 'en', '--api', test.endpoints.httpUrl, '--out', out], {}, 300_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out);
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual(['Daily AQI', 'Surface water', 'Ranking', 'Plan targets', 'Other monitoring']);
    const plan = table(book.worksheets[3]!);
    for (const target of compliance.targets) {
      const row = plan.find((entry) => entry.Indicator === target.nameEn)!;
      expect(row.Period ?? null, target.nameEn).toEqual(target.value);
      // A month short of its validity rule is marked, its partial figure in brackets (GB 3095 Table 4);
      // a begun month without one valid day is marked alone (a blank read like a month to come).
      const marked = target.value === null ? 'insufficient data' : `insufficient data (${String(target.value)})`;
      expect(row['2025-03'] ?? null, target.nameEn).toEqual(target.status === 'insufficient data' ? marked : target.value);
    }
    // Issue 22 item 7: the plan's stated 2020 values beside the targets (PM2.5 18.2 µg/m³, plan line 138).
    expect(plan.find((entry) => entry.Indicator === 'PM2.5 annual mean concentration')!['2020 baseline (as the plan states)']).toBe(18.2);
    // One language a document: no Chinese in the English headers.
    for (const sheet of book.worksheets) expect((sheet.getRow(3).values as ExcelJS.CellValue[]).join(' ')).not.toMatch(/[\u4e00-\u9fff]/);
  }, 400_000);

  it('writes each language alone: no Latin words in zh but the allowed tokens, no Chinese in en but the plan’s name once', async () => {
    // Issue 22 item 1: the zh title said "罗湖区 Luohu District, Shenzhen", units "class", streets "guiyuan",
    // the largest sub-index "o3"; the en tables named stations by device id and carried the plan's Chinese name.
    const plan = (await api<{ plan: string }>('/api/v1/compliance?period=2025-03')).plan;
    const cellsOf = async (lang: string) => {
      const book = await workbook(`period=2025-03&lang=${lang}&format=xlsx`);
      const texts: string[] = [];
      for (const sheet of book.worksheets) {
        texts.push(sheet.name);
        sheet.eachRow((row) => row.eachCell((cell) => { if (typeof cell.value === 'string') texts.push(cell.value); }));
      }
      return texts.join('\n');
    };
    const page = async (lang: string) => visibleText(await (await fetch(`${test.endpoints.httpUrl}/report?period=2025-03&lang=${lang}`)).text());
    const markdown = async (lang: string) => (await runCli(['report', '--period', '2025-03', '--lang', lang, '--api', test.endpoints.httpUrl], {}, 120_000)).stdout;
    const zh = { markdown: await markdown('zh'), workbook: await cellsOf('zh'), page: await page('zh') };
    const en = { markdown: await markdown('en'), workbook: await cellsOf('en'), page: await page('en') };
    for (const [where, text] of Object.entries(zh)) expect(latinOutsideTokens(text), `zh ${where}`).toEqual([]);
    for (const [where, text] of Object.entries(en)) expect(cjkOutside(text, where === 'markdown' ? [plan] : []), `en ${where}`).toEqual([]);
    expect(en.markdown.split(plan)).toHaveLength(2);
    // Registered names in the language, not ids: stations, sections and streets.
    const [station, section] = ['air', 'water'].map((family) => test.platform.registry.devices.find((device) => device.family === family)!);
    expect(en.workbook).toContain(station!.siteNameEn);
    expect(en.workbook).toContain(section!.siteNameEn);
    expect(en.workbook).not.toContain(section!.id);
    expect(zh.workbook).toContain(test.platform.registry.file.streets.find((street) => street.id === station!.street)!.name);
  }, 300_000);

  it('refuses a year outside the 2021-2025 plan on every route, naming the plan\'s years', async () => {
    // Issue 22 item 4: these answered 200, judged against the 14th plan's targets; only the CLI refused.
    for (const path of ['/api/v1/compliance?period=2027', '/api/v1/compliance?period=2020-03', '/api/v1/reports?period=2019', '/api/v1/reports/ranking?period=2026-Q1', '/report?period=2027']) {
      const response = await fetch(`${test.endpoints.httpUrl}${path}`);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code, path).toBe('WX_ERR_INVALID_ARGUMENT');
      expect(body.message, path).toContain('2021-2025');
    }
    expect((await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2021`)).status).toBe(200);
  });

  it('refuses an unknown table, language or period with a coded error', async () => {
    for (const path of ['/api/v1/reports/weather?period=2025-03', '/api/v1/reports?period=2025-03&lang=fr', '/api/v1/reports?period=March', '/api/v1/reports?period=2025-03&format=pdf']) {
      const response = await fetch(`${test.endpoints.httpUrl}${path}`);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { code: string }).code, path).toBe('WX_ERR_INVALID_ARGUMENT');
    }
  });
});
