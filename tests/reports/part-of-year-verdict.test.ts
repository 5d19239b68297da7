import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import { deviceTags } from '../../services/registry/device-tags.ts';
import { gridDailyMeasurement } from '../../services/rollups/grid-rollup.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const dayMs = 86_400_000;
const year2024 = Date.parse('2024-01-01T00:00:00+08:00');
const february = Date.parse('2024-02-01T00:00:00+08:00');
const targetId = 'no-heavily-loaded-transformers';

type PlanRow = { targetId: string; status: string };

/**
 * The plan's targets are annual, and docs/officers.md says a part of a year is not judged by them.
 * A closed month (February 2024) whose one transformer ran heavily loaded was answered `breached`
 * (未达标) in the API, the workbook and the printed page, beside a note calling it a projection. Now
 * a part of a year is a labelled projection (at risk, projected), and only the whole year is judged.
 */
describe('a part of a year against an annual target', () => {
  let test: TestPlatform;
  const get = (path: string) => fetch(`${test.endpoints.httpUrl}${path}`);
  const compliance = async (period: string) => ((await (await get(`/api/v1/compliance?period=${period}`)).json()) as ComplianceReport).targets.find((t) => t.id === targetId)!;
  const planRow = async (period: string, lang: 'zh' | 'en') => {
    const body = (await (await get(`/api/v1/reports/plan?period=${period}&lang=${lang}`)).json()) as { tables: Array<{ id: string; rows: PlanRow[]; notes: string[] }> };
    const table = body.tables.find((t) => t.id === 'plan')!;
    return { row: table.rows.find((r) => r.targetId === targetId)!, notes: table.notes };
  };

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    // A whole 2024 of each transformer's daily rollup, as the grid rollup writes it; one sustained
    // heavy-load event, on 2024-02-10, at the first transformer.
    const transformers = test.platform.registry.devices.filter((device) => device.family === 'grid' && device.attributes.level === 'transformer');
    const lines: string[] = [];
    for (const [index, device] of transformers.entries()) {
      for (let day = year2024; day < year2024 + 366 * dayMs; day += dayMs) {
        const heavy = index === 0 && day === february + 9 * dayMs ? 1 : 0;
        lines.push(encodePoint({ measurement: gridDailyMeasurement, tags: deviceTags(device), fields: [['heavy_events', heavy, 'int'], ['heavy_hours', heavy * 3, 'float'], ['points', 96, 'int']], timeMs: day }));
      }
    }
    await test.platform.influx.write(lines);
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('answers a closed month and quarter as a projection (at risk), and judges the whole year (breached)', async () => {
    expect(await compliance('2024-02')).toMatchObject({ value: 1, status: 'at risk', projected: true });
    expect(await compliance('2024-Q1')).toMatchObject({ value: 1, status: 'at risk', projected: true });
    expect(await compliance('2024-03')).toMatchObject({ value: 0, status: 'met', projected: true });
    expect(await compliance('2024')).toMatchObject({ value: 1, status: 'breached', projected: false });
  });

  it('prints it as a projection in the plan table (JSON, workbook, the printed page), never 未达标', async () => {
    const zh = await planRow('2024-02', 'zh');
    expect(zh.row.status).toBe('有风险（预判）');
    expect(zh.notes.join('\n')).toContain('不作为年度评价');
    expect((await planRow('2024-02', 'en')).row.status).toBe('at risk (projection)');
    expect((await planRow('2024', 'zh')).row.status).toBe('未达标');

    const response = await get('/api/v1/reports/plan?period=2024-02&format=xlsx');
    expect(response.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    const cells = book.worksheets.flatMap((sheet) => sheet.getSheetValues().flat().map(String));
    expect(cells).toContain('有风险（预判）');
    expect(cells).not.toContain('未达标');

    const page = await (await get('/report?period=2024-02')).text();
    expect(page).toContain('有风险（预判）');
    expect(page).not.toContain('未达标');
  });
});
