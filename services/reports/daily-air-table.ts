import { aqiPoint } from '../compliance/aqi-points.ts';
import type { Period } from '../compliance/period.ts';
import { airDailyMeasurement, airDistrictDailyMeasurement } from '../rollups/air-rollup.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { placeName } from '../registry/place-names.ts';
import { aqiCategory, beijingDay, chooseAqiStandard, dailyAqi, type DailyAqiKey } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { rollupRowsOf, say, type CellValue, type Lang, type ReportColumn, type ReportTable } from './report-table.ts';

const pollutants: ReadonlyArray<{ key: DailyAqiKey; point: 'so2' | 'no2' | 'co' | 'pm10' | 'pm25' | 'o3_8h' | 'o3_1h_max'; zh: string; en: string; unit: string }> = [
  { key: 'so2', point: 'so2', zh: 'SO₂', en: 'SO₂', unit: 'µg/m³' },
  { key: 'no2', point: 'no2', zh: 'NO₂', en: 'NO₂', unit: 'µg/m³' },
  { key: 'co', point: 'co', zh: 'CO', en: 'CO', unit: 'mg/m³' },
  { key: 'pm10', point: 'pm10', zh: 'PM₁₀', en: 'PM₁₀', unit: 'µg/m³' },
  { key: 'pm25', point: 'pm25', zh: 'PM₂.₅', en: 'PM₂.₅', unit: 'µg/m³' },
  { key: 'o3_8h', point: 'o3_8h', zh: 'O₃日最大8小时', en: 'O₃ max 8-h', unit: 'µg/m³' },
  { key: 'o3_1h', point: 'o3_1h_max', zh: 'O₃日最大1小时', en: 'O₃ max 1-h', unit: 'µg/m³' },
];
// The primary pollutant as HJ 633's tables name the indicator, in the report's language.
const primaryNames: Readonly<Record<string, readonly [string, string]>> = {
  so2: ['SO₂', 'SO₂'], no2: ['NO₂', 'NO₂'], co: ['CO', 'CO'], pm10: ['PM₁₀', 'PM₁₀'], pm25: ['PM₂.₅', 'PM₂.₅'], o3_8h: ['O₃（8小时）', 'O₃ (8-h)'], o3_1h: ['O₃（1小时）', 'O₃ (1-h)'],
};

function columns(lang: Lang): ReportColumn[] {
  return [
    { key: 'date', header: say(lang, '日期', 'Date'), numFmt: 'yyyy-mm-dd', width: 12 },
    { key: 'station', header: say(lang, '站点', 'Station'), width: 20 },
    ...pollutants.map((p): ReportColumn => ({ key: p.key, header: `${say(lang, p.zh, p.en)} (${p.unit})`, numFmt: p.key === 'co' ? '0.0' : '0' })),
    ...pollutants.map((p): ReportColumn => ({ key: `iaqi_${p.key}`, header: `IAQI ${say(lang, p.zh, p.en)}`, numFmt: '0' })),
    { key: 'aqi', header: 'AQI', numFmt: '0' },
    { key: 'level', header: say(lang, '级别', 'Level'), numFmt: '0' },
    { key: 'category', header: say(lang, '类别', 'Category'), width: 16 },
    { key: 'primary', header: say(lang, '首要污染物', 'Primary pollutant(s)'), width: 16 },
  ];
}

/**
 * One row of the daily report from a stored daily rollup, its concentrations as /api/v1/aqi prints
 * them and each IAQI recomputed from those printed figures (HJ 633 of the day: 2012 has seven daily
 * indicators with the O3 1-h maximum, 2026 six), so that a reader can recompute every figure.
 */
export function dailyRow(stored: Record<string, unknown>, station: string, lang: Lang): Record<string, CellValue> {
  const point = aqiPoint(stored);
  const timeMs = Number(stored.time);
  const day = beijingDay(timeMs);
  const input = Object.fromEntries(pollutants.map((p) => [p.key, point[p.point] as number | null]));
  const result = dailyAqi(input, { day: timeMs });
  const row: Record<string, CellValue> = { date: new Date(`${day}T00:00:00Z`), station };
  for (const p of pollutants) {
    const counted = p.key !== 'o3_1h' || chooseAqiStandard(timeMs) === 'HJ 633-2012';
    row[p.key] = counted ? (point[p.point] as number | null) : null;
    row[`iaqi_${p.key}`] = result.iaqi[p.key] ?? null;
  }
  const aqi = point.aqi as number | null;
  const category = aqi === null ? null : aqiCategory(aqi);
  row.aqi = aqi;
  row.level = category?.level ?? null;
  row.category = category ? say(lang, category.category, category.categoryEn) : null;
  row.primary = point.primary.length ? point.primary.map((key) => (primaryNames[key] ? say(lang, ...primaryNames[key]) : key)).join(lang === 'zh' ? '、' : ', ') : say(lang, '—', '—');
  return row;
}

/** The daily air-quality report: per station and the district, each day of the period (or one day). */
export async function dailyAirTable(deps: { influx: InfluxClient; registry: DeviceRegistry }, period: Period, lang: Lang): Promise<ReportTable> {
  const time = `time >= ${period.fromMs}ms AND time < ${period.toMs}ms`;
  const [stations, district] = await Promise.all([
    deps.influx.query(`SELECT * FROM "${airDailyMeasurement}" WHERE ${time} GROUP BY "device"`),
    deps.influx.query(`SELECT * FROM "${airDistrictDailyMeasurement}" WHERE ${time}`),
  ]);
  // The registered name in the report's language, never the device id (issue 22 item 1).
  const nameOf = (id: string) => placeName(deps.registry.device(id)!, lang);
  const rows = [
    ...rollupRowsOf(district).map((row) => dailyRow(row, say(lang, '全区', 'District'), lang)),
    ...rollupRowsOf(stations).filter((row) => deps.registry.device(String(row.device))).map((row) => dailyRow(row, nameOf(String(row.device)), lang)),
  ].filter((row) => pollutants.some((p) => row[p.key] !== null)).sort((a, b) => (a.date as Date).getTime() - (b.date as Date).getTime());
  return {
    id: 'daily-air',
    title: say(lang, '环境空气质量日报', 'Daily air-quality report'),
    sheet: say(lang, '空气质量日报', 'Daily AQI'),
    columns: columns(lang),
    rows,
    notes: [
      say(lang, '浓度为日均值（O₃为日最大8小时滑动平均），按发布精度修约；IAQI由表中浓度计算，AQI取各IAQI最大值（HJ 633）。', 'Concentrations are 24-h means (O₃ the daily maximum 8-h mean) at their published precision; each IAQI is computed from the figure printed, the AQI is the largest IAQI (HJ 633).'),
      say(lang, 'O₃日最大1小时仅在HJ 633-2012适用的日期参与日AQI（2026年3月1日前）。', 'The O₃ 1-h maximum takes part in the daily AQI only on days HJ 633-2012 governs (before 1 March 2026).'),
    ],
  };
}
