import type { OfficialReport } from './official-report.ts';
import { aqiCalendar, classMatrix, escapeHtml, monthlyPm25Chart } from './report-charts.ts';
import { say, type CellValue, type ReportColumn, type ReportTable } from './report-table.ts';
import { beijingMinute as beijingTimeText } from '../compliance/report-format.ts';
import { periodText, signatureLines } from './report-xlsx.ts';

const dayText = (value: CellValue | undefined) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);

/** A cell as printed: numbers with the decimals of their column's format. */
function cellText(value: CellValue, column: ReportColumn): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number' && column.numFmt && /^0(\.0+)?$/.test(column.numFmt)) return value.toFixed(column.numFmt.split('.')[1]?.length ?? 0);
  return escapeHtml(value);
}

function htmlTable(table: ReportTable, keys?: readonly string[], rows = table.rows): string {
  const columns = keys ? table.columns.filter((column) => keys.includes(column.key)) : table.columns;
  const head = columns.map((column) => `<th>${escapeHtml(column.header)}</th>`).join('');
  const body = rows.map((row) => `<tr>${columns.map((column) => `<td class="${typeof row[column.key] === 'number' ? 'num' : ''}">${cellText(row[column.key] ?? null, column)}</td>`).join('')}</tr>`).join('');
  return `<table class="data"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const notes = (table: ReportTable) => `<ul class="notes">${table.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`;

/** A section of the page: its title and content; `closing` (the signature block) is printed in the last one. */
interface PageSection {
  readonly id: string;
  readonly title: string;
  readonly content: string;
  readonly wide: boolean;
}

const section = (id: string, title: string, content: string, wide = false): PageSection => ({ id, title, content, wide });

/**
 * The signature block goes inside the last section, at its end (issue 22 item 5): a block of its own
 * after a landscape section was on another named page (@page wide), so Chromium started a page for it
 * alone though the last page had room. `break-inside: avoid` keeps its lines together (report.css).
 */
function renderSections(sections: readonly PageSection[], closing: string): string {
  return sections.map((part, i) => `<section id="${part.id}" class="${part.wide ? 'wide' : ''}"><h2>${escapeHtml(part.title)}</h2>${part.content}${i === sections.length - 1 ? closing : ''}</section>`).join('\n')
    + (sections.length ? '' : closing);
}

/**
 * An English plan row as printed: "insufficient data" in a month cell becomes "insuff." (with a note).
 * Twelve month columns of the long words made the table 1,300-1,600 px wide, past a landscape A4 page
 * (273 mm, 1,032 px), and Chromium cut off its Period and Status columns. The workbook keeps the words.
 */
function shortMonths(row: ReportTable['rows'][number]): ReportTable['rows'][number] {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, /^m\d+$/.test(key) && typeof value === 'string' ? value.replace('insufficient data', 'insuff.') : value]));
}

/** The charts and tables of each kind, in the bureau's order. */
function sections(report: OfficialReport): PageSection[] {
  const { lang, period } = report;
  const find = (id: string) => report.tables.find((table) => table.id === id);
  const out: PageSection[] = [];
  const plan = find('plan');
  const daily = find('daily-air');
  const water = find('water-month');
  const ranking = find('ranking');
  const pm25 = plan?.rows.find((row) => row.targetId === 'pm25-annual-mean');
  if (pm25) {
    const months = Array.from({ length: 12 }, (_, i) => {
      const figure = pm25[`m${i + 1}`];
      // The plan table prints a begun month short of its valid days as text (数据不足…), a month to come as nothing.
      return typeof figure === 'number' ? figure : typeof figure === 'string' ? 'insufficient' as const : null;
    });
    out.push(section('pm25', say(lang, `月均PM₂.₅浓度与年度目标（${String(pm25.target)} µg/m³）`, `Monthly PM₂.₅ against the annual target (${String(pm25.target)} µg/m³)`), monthlyPm25Chart(months, Number(pm25.target), lang)));
  }
  if (daily) {
    const district = say(lang, '全区', 'District');
    const aqiByDay = new Map(daily.rows.filter((row) => row.station === district && typeof row.aqi === 'number').map((row) => [String(dayText(row.date)), row.aqi as number]));
    out.push(section('calendar', say(lang, '全区逐日空气质量类别', 'The district’s daily AQI categories'), aqiCalendar(period.year, aqiByDay, lang), true));
    const last = daily.rows.at(-1)?.date;
    const lastRows = daily.rows.filter((row) => dayText(row.date) === dayText(last ?? null));
    if (lastRows.length) out.push(section('daily', `${daily.title} · ${String(dayText(last ?? null))}`, htmlTable(daily, undefined, lastRows) + notes(daily), true));
  }
  if (water) {
    const cells = water.rows.map((row) => ({ section: String(row.section), month: Number(String(row.month).slice(5, 7)) - 1, class: String(row.class), met: row.met === say(lang, '是', 'yes') }));
    out.push(section('matrix', say(lang, '断面逐月水质类别', 'Section × month water class'), classMatrix(cells, lang), true));
    out.push(section('water', water.title, htmlTable(water, ['month', 'section', 'class', 'target', 'met', 'main', 'x_codmn', 'x_cod', 'x_nh3n', 'x_tp', 'tn_class']) + notes(water), true));
  }
  if (ranking) out.push(section('ranking', ranking.title, htmlTable(ranking) + notes(ranking), true));
  if (plan) out.push(section('plan', plan.title, htmlTable(plan, undefined, lang === 'en' ? plan.rows.map(shortMonths) : plan.rows) + notes(plan) + (lang === 'en' ? '<ul class="notes"><li>insuff.: insufficient data</li></ul>' : ''), true));
  // Issue 25 item 4: the families' figures, marked as having no plan target.
  const families = find('families');
  if (families) out.push(section('families', families.title, htmlTable(families) + notes(families), true));
  return out;
}

/** The printable report page (/report?period=2025): the tables and charts, one language, a print stylesheet for A4. */
export function officialReportPage(report: OfficialReport): string {
  const { lang } = report;
  const title = say(lang, `生态环境质量报告 · ${periodText(report)}`, `Environmental quality report · ${periodText(report)}`);
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/screen/report.css"><link rel="icon" href="/screen/icon.svg"></head>
<body class="report">
<header><h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(say(lang, `生成时间：${beijingTimeText(report.generatedAtMs, lang)}`, `Generated ${beijingTimeText(report.generatedAtMs, lang)}`))}</p></header>
${renderSections(sections(report), `<footer class="signature">${signatureLines(report).map((line) => `<p>${escapeHtml(line)}</p>`).join('')}</footer>`)}
</body></html>
`;
}
