import type { Period } from '../compliance/period.ts';
import { familyFigures } from '../compliance/family-figures.ts';
import { unitLabel } from '../compliance/target-units.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { combineSummary, counts, summaryMeasurements, summaryOf, type SummaryFields } from '../rollups/summary-combine.ts';
import { beijingYearMonth } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { FamilyId } from '../families/index.ts';
import { rollupRowsOf, say, type CellValue, type Lang, type ReportColumn, type ReportTable } from './report-table.ts';

const months = Array.from({ length: 12 }, (_, i) => i);

function columns(lang: Lang, year: number): ReportColumn[] {
  return [
    { key: 'monitoring', header: say(lang, '监测', 'Monitoring'), width: 18 },
    { key: 'figure', header: say(lang, '指标', 'Figure'), width: 22 },
    { key: 'scope', header: say(lang, '范围', 'Scope'), width: 16 },
    { key: 'unit', header: say(lang, '单位', 'Unit'), width: 8 },
    ...months.map((m): ReportColumn => ({ key: `m${m + 1}`, header: say(lang, `${m + 1}月`, `${year}-${String(m + 1).padStart(2, '0')}`), width: 9, numFmt: '0.00' })),
    { key: 'period', header: say(lang, '本期', 'Period'), numFmt: '0.00' },
    { key: 'target', header: say(lang, '规划目标', 'Plan target'), width: 16 },
  ];
}

/** Month index → the family's monthly points in the period: per device (`device`) or per group (the group's tag). */
async function monthlyPoints(influx: InfluxClient, measurement: string, key: string, period: Period): Promise<Map<number, Array<{ key: string; fields: SummaryFields }>>> {
  // A month lists its fields (module-month.ts): one its days no longer give is not read from the point stored before.
  const rows = rollupRowsOf(await influx.query(`SELECT * FROM "${measurement}" WHERE time >= ${period.fromMs}ms AND time < ${period.toMs}ms GROUP BY "${key}"`));
  const byMonth = new Map<number, Array<{ key: string; fields: SummaryFields }>>();
  for (const row of rows) {
    const { year, month } = beijingYearMonth(Number(row.time));
    if (year !== period.year) continue;
    const fields = Object.fromEntries(Object.entries(row).filter(([, value]) => typeof value === 'number')) as SummaryFields;
    (byMonth.get(month) ?? byMonth.set(month, []).get(month)!).push({ key: String(row[key] ?? ''), fields });
  }
  return byMonth;
}

/**
 * Issue 25 item 4: the families' key figures month by month (from the monthly rollups the engine
 * writes) and for the period (from the days), district-wide and per group (a charging station),
 * each marked as having no plan target: the plan sets none these figures measure (docs/officers.md).
 */
export async function familyTable(deps: { influx: InfluxClient; registry: DeviceRegistry }, period: Period, lang: Lang): Promise<ReportTable | null> {
  const figures = await familyFigures(deps, period.fromMs, period.toMs);
  if (figures.length === 0) return null;
  const text = (label: { zh: string; en: string }) => (lang === 'zh' ? label.zh : label.en);
  const noTarget = say(lang, '规划未设数值目标', 'no plan target');
  const monthlyOf = new Map<FamilyId, { devices: Awaited<ReturnType<typeof monthlyPoints>>; groups: Awaited<ReturnType<typeof monthlyPoints>> | null }>();
  for (const family of new Set(figures.map((f) => f.family))) {
    const names = summaryMeasurements(family);
    monthlyOf.set(family, {
      devices: await monthlyPoints(deps.influx, names.monthly, 'device', period),
      groups: names.group ? await monthlyPoints(deps.influx, names.group.monthly, names.group.tag, period) : null,
    });
  }
  const rows = figures.flatMap((f) => {
    const summary = summaryOf(f.family)!;
    const monthly = monthlyOf.get(f.family)!;
    const base = { monitoring: text(f.familyLabel), figure: text(f.label), unit: unitLabel(f.unit, lang), target: noTarget };
    const district: Record<string, CellValue> = { ...base, scope: say(lang, '全区', 'District'), period: f.value };
    for (const m of months) district[`m${m + 1}`] = combineSummary(summary, (monthly.devices.get(m) ?? []).map((point) => point.fields), 'devices')[f.field] ?? null;
    const groups = f.groups.map((g) => {
      const row: Record<string, CellValue> = { ...base, scope: `${f.groupLabel ? text(f.groupLabel) : ''} ${text(g.name)}`.trim(), period: g.value };
      for (const m of months) {
        const month = (monthly.groups?.get(m) ?? []).find((point) => point.key === g.group)?.fields;
        // A month without a valid day (the module's validity flag 0) has no figure: empty, never its old one or 0.
        row[`m${m + 1}`] = month && counts(summary, month) ? (month[f.field] ?? null) : null;
      }
      return row;
    });
    return [district, ...groups];
  });
  return {
    id: 'families',
    title: say(lang, `${period.year}年其他监测（规划未设数值目标）`, `${period.year}: other monitoring (no plan target)`),
    sheet: say(lang, '其他监测', 'Other monitoring'),
    columns: columns(lang, period.year),
    rows,
    notes: [
      say(lang, '规划对城市内涝监测预警、充电基础设施只提出建设要求，海绵城市目标（建成区面积30%）为面积比例，均无可由这些监测值评价的数值目标，故只列数值、不作达标评价。',
        'The plan asks for flood monitoring and warning and for charging infrastructure without a number, and its sponge-city target (30 % of the built-up area) is an area share: no target judges these figures, so none is judged.'),
      say(lang, '月值由各设备的月汇总合成；本期值由日汇总合成（深度取最大，时长与雨量按设备累加后取最大站，可用率、故障率按读数加权）。',
        'Months combine each device’s monthly rollup; the period combines the daily rollups (depth: the deepest; hours and rain: summed per device, then the largest; availability and fault rate: weighted by readings).'),
      say(lang, '无效日不计入（积水深度计：有效小时不足20个，每小时需有45分钟数据，同GB 3095）；无有效日的月份或本期留空，不作0。',
        'Invalid days are not counted (a depth gauge’s day with fewer than 20 valid hours of 45 minutes each, as GB 3095 asks of a day); a month or period without a valid day is left empty, not 0.'),
    ],
  };
}
