import { aqiCategory } from '../standards/index.ts';
import { say, type Lang } from './report-table.ts';

/** Text safe inside HTML and SVG. */
export const escapeHtml = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Monthly PM2.5 against the annual limit, as bars with the limit drawn across (inline SVG: prints
 * sharp, needs no script). `limit` is the plan's annual target (µg/m³). The limit's label is a legend
 * above the plot, at its left, where no bar reaches (issue 22 item 5: at the line's right end it was
 * hidden behind the red November and December bars). A month `insufficient` (begun, short of the
 * valid days) is labelled so in its slot, without a bar.
 */
export function monthlyPm25Chart(months: ReadonlyArray<number | null | 'insufficient'>, limit: number, lang: Lang): string {
  const width = 640, height = 230, left = 40, bottom = 30, top = 30, legendY = 12;
  const max = Math.max(limit * 1.5, ...months.map((value) => (typeof value === 'number' ? value : 0)));
  const y = (value: number) => top + (height - top - bottom) * (1 - value / max);
  const slot = (width - left - 10) / 12;
  const bars = months.map((value, i) => {
    if (value === null) return '';
    // A begun month short of GB 3095's valid days gets no bar, and says why: an empty slot read like a month to come.
    if (value === 'insufficient') return `<text class="insufficient" x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - bottom - 4}" font-size="9" fill="#777" text-anchor="middle">${say(lang, '数据不足', 'insuff.')}</text>`;
    const x = left + i * slot + slot * 0.2;
    const over = value > limit;
    return `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${(height - bottom - y(value)).toFixed(1)}" fill="${over ? '#d9534f' : '#3a7bd5'}"/>`
      + `<text x="${(x + slot * 0.3).toFixed(1)}" y="${(y(value) - 3).toFixed(1)}" font-size="10" text-anchor="middle">${value}</text>`;
  }).join('');
  const labels = months.map((_, i) => `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - 12}" font-size="10" text-anchor="middle">${say(lang, `${i + 1}月`, String(i + 1))}</text>`).join('');
  const ticks = [0, Math.round(max / 2), Math.round(max)].map((v) => `<text x="${left - 4}" y="${y(v) + 3}" font-size="9" text-anchor="end">${v}</text>`).join('');
  const legend = `<g class="limit-legend"><line x1="${left}" y1="${legendY}" x2="${left + 24}" y2="${legendY}" stroke="#d9534f" stroke-dasharray="5 3"/>`
    + `<text x="${left + 30}" y="${legendY + 3.5}" font-size="10" fill="#d9534f">${escapeHtml(say(lang, `目标 ${limit} µg/m³（年均值）`, `target ${limit} µg/m³ (annual mean)`))}</text></g>`;
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(say(lang, '月均PM2.5', 'Monthly PM2.5'))}">`
    + `${legend}<line x1="${left}" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="#333"/>${ticks}${bars}${labels}`
    + `<line x1="${left}" y1="${y(limit)}" x2="${width - 10}" y2="${y(limit)}" stroke="#d9534f" stroke-dasharray="5 3"/></svg>`;
}

/** A calendar of daily AQI categories: a row a month, a cell a day in its category's colour (HJ 633 Appendix A). */
export function aqiCalendar(year: number, aqiByDay: ReadonlyMap<string, number>, lang: Lang): string {
  const rows: string[] = [];
  for (let m = 0; m < 12; m += 1) {
    const days = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
    const cells: string[] = [];
    for (let d = 1; d <= 31; d += 1) {
      const key = `${year}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      const aqi = aqiByDay.get(key);
      if (d > days) cells.push('<td class="cal-none"></td>');
      else if (aqi === undefined) cells.push(`<td class="cal-missing" title="${key}"></td>`);
      else {
        const category = aqiCategory(aqi);
        cells.push(`<td style="background:${category.colour}" title="${key} AQI ${aqi} ${escapeHtml(say(lang, category.category, category.categoryEn))}">${aqi}</td>`);
      }
    }
    rows.push(`<tr><th>${say(lang, `${m + 1}月`, String(m + 1))}</th>${cells.join('')}</tr>`);
  }
  const legend = [25, 75, 125, 175, 250, 350].map((aqi) => {
    const category = aqiCategory(aqi);
    return `<span class="legend"><i style="background:${category.colour}"></i>${escapeHtml(say(lang, category.category, category.categoryEn))}</span>`;
  }).join('');
  const head = `<tr><th></th>${Array.from({ length: 31 }, (_, i) => `<th>${i + 1}</th>`).join('')}</tr>`;
  return `<table class="calendar"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table><p class="legend-row">${legend}</p>`;
}

const classColours: Readonly<Record<string, string>> = { I: '#8fd3f4', II: '#8fd3f4', III: '#9be29b', IV: '#ffe680', V: '#ffb366', 劣V: '#ff8080' };

/** The section × month class matrix: a row a section, a cell its month's class (GB 3838-2002). */
export function classMatrix(cells: ReadonlyArray<{ section: string; month: number; class: string; met: boolean }>, lang: Lang): string {
  const sections = [...new Set(cells.map((cell) => cell.section))];
  const head = `<tr><th>${say(lang, '断面', 'Section')}</th>${Array.from({ length: 12 }, (_, i) => `<th>${say(lang, `${i + 1}月`, String(i + 1))}</th>`).join('')}</tr>`;
  const rows = sections.map((section) => {
    const tds = Array.from({ length: 12 }, (_, m) => {
      const cell = cells.find((entry) => entry.section === section && entry.month === m);
      return cell ? `<td style="background:${classColours[cell.class] ?? '#eee'}" class="${cell.met ? '' : 'not-met'}">${escapeHtml(cell.class)}</td>` : '<td></td>';
    }).join('');
    return `<tr><th>${escapeHtml(section)}</th>${tds}</tr>`;
  });
  return `<table class="matrix"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}
