import type { Period } from '../compliance/period.ts';
import { presentOnly } from '../rollups/fields-present.ts';
import { parameterFields, waterMonthlyMeasurement } from '../rollups/water-rollup.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { placeName } from '../registry/place-names.ts';
import { DOCUMENTS } from '../compliance/basis-names.ts';
import { beijingYearMonth, roundHalfEven, type WaterTargetClass, type Waterbody } from '../standards/index.ts';
import { roundForAssessment, waterLimit, type WaterParameter } from '../standards/water-quality.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { rollupRowsOf, say, type CellValue, type Lang, type ReportColumn, type ReportTable } from './report-table.ts';

/** The factors with an upper limit whose multiple bulletins print (pH and DO have none: 环办〔2011〕22号). */
const multipleFactors = ['codmn', 'cod', 'nh3n', 'tp'] as const;
const factorNames: Readonly<Record<string, readonly [string, string]>> = {
  ph: ['pH', 'pH'], do: ['溶解氧', 'DO'], codmn: ['高锰酸盐指数', 'CODMn'], cod: ['化学需氧量', 'COD'], nh3n: ['氨氮', 'NH₃-N'], tp: ['总磷', 'TP'], tn: ['总氮', 'TN'],
};
const waterbodyNames: Readonly<Record<Waterbody, readonly [string, string]>> = { river: ['河流', 'river'], lake: ['湖泊', 'lake'], reservoir: ['水库', 'reservoir'] };

/**
 * The rollup's main pollutants (`总磷(0.5)、氨氮(0.2)`, as bulletins print them) in the report's language:
 * each factor's English name in an English report (`TP(0.5), NH₃-N(0.2)`).
 */
export function mainPollutantsText(stored: string, lang: Lang): string {
  if (lang === 'zh' || !stored) return stored;
  const english = new Map(Object.values(factorNames).map(([zh, en]) => [zh, en]));
  english.set('五日生化需氧量', 'BOD₅');
  return stored.split('、').map((entry) => entry.replace(/^[^(]+/, (name) => english.get(name) ?? name)).join(', ');
}

/** 超标倍数 = (C − limit) / limit of a period mean rounded as the 2020 rule rounds it; null when not over. */
export function exceedanceMultiple(parameter: WaterParameter, mean: number, limitClass: WaterTargetClass, waterbody: Waterbody): number | null {
  const limit = waterLimit(parameter, limitClass, waterbody);
  if (limit === null) return null;
  const value = roundForAssessment(parameter, mean);
  return value > limit ? roundHalfEven((value - limit) / limit, 2) : null;
}

function columns(lang: Lang): ReportColumn[] {
  const name = (key: string) => say(lang, factorNames[key]![0], factorNames[key]![1]);
  return [
    { key: 'month', header: say(lang, '月份', 'Month'), width: 9 },
    { key: 'section', header: say(lang, '断面', 'Section'), width: 22 },
    { key: 'waterbody', header: say(lang, '水体类型', 'Water body'), width: 10 },
    { key: 'class', header: say(lang, '水质类别', 'Class') },
    { key: 'target', header: say(lang, '目标类别', 'Target class') },
    { key: 'met', header: say(lang, '是否达标', 'Meets target') },
    { key: 'main', header: say(lang, '主要污染物（超标倍数，以III类计）', 'Main pollutants (multiple over Class III)'), width: 30 },
    ...(['ph', 'do', ...multipleFactors] as const).map((key): ReportColumn => ({ key, header: key === 'ph' ? 'pH' : `${name(key)} (mg/L)`, numFmt: key === 'ph' ? '0' : key === 'nh3n' ? '0.00' : key === 'tp' ? '0.000' : '0.0' })),
    ...multipleFactors.map((key): ReportColumn => ({ key: `x_${key}`, header: say(lang, `${name(key)}超标倍数（以目标类别计）`, `${name(key)} multiple over target`), numFmt: '0.00' })),
    { key: 'tn', header: say(lang, '总氮（湖库单独评价）(mg/L)', 'TN, lakes and reservoirs apart (mg/L)'), numFmt: '0.00' },
    { key: 'tn_class', header: say(lang, '总氮类别', 'TN class') },
  ];
}

/** One section-month from water_monthly: class, target, met, and the multiples over the target's limits. */
function waterRow(stored: Record<string, unknown>, registry: DeviceRegistry, lang: Lang): Record<string, CellValue> | null {
  const row = presentOnly(stored);
  const device = registry.device(String(row.device));
  if (!device || row.class === null || row.class === undefined) return null;
  const { waterbody, targetClass } = device.attributes as { waterbody: Waterbody; targetClass: WaterTargetClass };
  const { year, month } = beijingYearMonth(Number(row.time));
  const mean = (key: string) => (typeof row[`${parameterFields[key as keyof typeof parameterFields]}_mean`] === 'number' ? (row[`${parameterFields[key as keyof typeof parameterFields]}_mean`] as number) : null);
  const out: Record<string, CellValue> = {
    month: `${year}-${String(month + 1).padStart(2, '0')}`,
    section: placeName(device, lang),
    waterbody: say(lang, ...waterbodyNames[waterbody]),
    class: String(row.class),
    target: targetClass,
    met: row.meets_target === 1 ? say(lang, '是', 'yes') : say(lang, '否', 'no'),
    main: mainPollutantsText(String(row.main_pollutants ?? ''), lang) || '—',
  };
  for (const key of ['ph', 'do', ...multipleFactors] as const) {
    const value = mean(key);
    out[key] = value === null ? null : roundForAssessment(key, value);
  }
  for (const key of multipleFactors) {
    const value = mean(key);
    out[`x_${key}`] = value === null ? null : exceedanceMultiple(key, value, targetClass, waterbody);
  }
  const tn = waterbody === 'river' ? null : mean('tn');
  out.tn = tn === null ? null : roundForAssessment('tn', tn);
  out.tn_class = waterbody === 'river' ? null : (row.tn_class as string | null) ?? null;
  return out;
}

/** The month's surface-water table: each section's month of the period, 超标倍数 beside. */
export async function waterMonthTable(deps: { influx: InfluxClient; registry: DeviceRegistry }, period: Period, lang: Lang): Promise<ReportTable> {
  const series = await deps.influx.query(`SELECT * FROM "${waterMonthlyMeasurement}" WHERE time >= ${period.fromMs}ms AND time < ${period.toMs}ms GROUP BY "device"`);
  const rows = rollupRowsOf(series).map((row) => waterRow(row, deps.registry, lang)).filter((row): row is Record<string, CellValue> => row !== null)
    .sort((a, b) => String(a.month).localeCompare(String(b.month)) || String(a.section).localeCompare(String(b.section)));
  return {
    id: 'water-month',
    title: say(lang, '地表水断面水质月报', 'Surface-water sections, monthly'),
    sheet: say(lang, '地表水月报', 'Surface water'),
    columns: columns(lang),
    rows,
    notes: [
      say(lang, '类别按单因子评价法（GB 3838-2002，环办〔2011〕22号）；月均值按《地表水环境质量监测数据统计技术规定（试行）》(2020)修约后评价。', `Classes by the single-factor method (GB 3838-2002, ${DOCUMENTS.waterEvaluation.en}), from monthly means rounded by the 2020 statistics rules before classifying.`),
      say(lang, '超标倍数 =（浓度 − 限值）/ 限值：主要污染物栏以III类限值计（国家方法），各因子栏以断面目标类别限值计；未超标者留空。', 'Multiple = (C − limit) / limit: the main-pollutant column against Class III (the national method), the factor columns against the section’s target class; blank when not over.'),
      say(lang, '湖泊、水库的总氮单独评价，不参与水质类别。', 'Lakes’ and reservoirs’ total nitrogen is evaluated apart and takes no part in the class.'),
    ],
  };
}
