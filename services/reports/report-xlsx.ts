import ExcelJS from 'exceljs';
import { beijingMinute as beijingTimeText, signatureBlock } from '../compliance/report-format.ts';
import { beijingDay } from '../standards/index.ts';
import type { OfficialReport } from './official-report.ts';
import { say, type ReportTable } from './report-table.ts';

/** The period as a reader says it: 2025年, 2025年3月, 2026年1月1日至… */
export function periodText(report: Pick<OfficialReport, 'period' | 'lang'>): string {
  const { period, lang } = report;
  const last = beijingDay(period.toMs - 1);
  if (period.kind === 'year') return say(lang, `${period.year}年`, `${period.year}`);
  if (period.kind === 'month') return say(lang, `${period.year}年${Number(period.id.slice(5, 7))}月`, period.id);
  if (period.kind === 'quarter') return say(lang, `${period.year}年第${period.id.slice(6)}季度`, period.id);
  if (period.kind === 'half') return say(lang, `${period.year}年${period.id.endsWith('1') ? '上' : '下'}半年`, period.id);
  return say(lang, `${period.year}年1月1日至${last}`, `${period.year}-01-01 to ${last}`);
}

/** The lines under every table: who compiled it and when (a signature block, issue 22 item 4). */
export function signatureLines(report: OfficialReport): string[] {
  return signatureBlock(report.compiledBy, report.lang, beijingTimeText(report.generatedAtMs, report.lang));
}

function addTableSheet(workbook: ExcelJS.Workbook, report: OfficialReport, table: ReportTable): void {
  const sheet = workbook.addWorksheet(table.sheet, { views: [{ state: 'frozen', ySplit: 3 }] });
  sheet.addRow([`${table.title} · ${periodText(report)}`]).font = { bold: true, size: 14 };
  sheet.addRow([say(report.lang, `生成时间：${beijingTimeText(report.generatedAtMs, 'zh')}`, `Generated ${beijingTimeText(report.generatedAtMs, 'en')}`)]);
  const header = sheet.addRow(table.columns.map((column) => column.header));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle' };
  table.columns.forEach((column, i) => {
    const excelColumn = sheet.getColumn(i + 1);
    excelColumn.width = column.width ?? Math.max(8, Math.min(18, column.header.length + 2));
    if (column.numFmt) excelColumn.numFmt = column.numFmt;
  });
  // Values go in as they are: numbers stay numbers (never text), dates as dates, a missing value blank.
  for (const row of table.rows) sheet.addRow(table.columns.map((column) => row[column.key] ?? null));
  sheet.addRow([]);
  for (const note of table.notes) sheet.addRow([note]);
  sheet.addRow([]);
  for (const line of signatureLines(report)) sheet.addRow([line]);
}

/** The official tables as an xlsx workbook: one sheet a table, headers with units, real cells. */
export async function officialReportXlsx(report: OfficialReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Wanxiang';
  workbook.created = new Date(report.generatedAtMs);
  for (const table of report.tables) addTableSheet(workbook, report, table);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Row 3 of each sheet is the header; data start on row 4 (for readers of the workbook). */
export const XLSX_HEADER_ROW = 3;
