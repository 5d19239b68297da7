import type { Period } from '../compliance/period.ts';
import { airDailyMeasurement } from '../rollups/air-rollup.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { streetName, placeName } from '../registry/place-names.ts';
import { COMPOSITE_POLLUTANT_NAMES, COMPOSITE_SOURCE, compositeChange, compositeIndex, sameBeijingTimeLastYear, type CompositeIndex, type CompositeInput } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { rollupRowsOf, say, type CellValue, type Lang, type ReportColumn, type ReportTable } from './report-table.ts';


const inputFields: Readonly<Record<keyof CompositeInput, string>> = { so2: 'so2_ugm3', no2: 'no2_ugm3', pm10: 'pm10_ugm3', pm25: 'pm25_ugm3', co: 'co_mgm3', o3_8h: 'o3_8h_ugm3' };
type DailyByPlace = Map<string, Map<number, Record<keyof CompositeInput, number | null>>>;

async function dailyValues(influx: InfluxClient, fromMs: number, toMs: number): Promise<Array<Record<string, unknown>>> {
  const fields = Object.values(inputFields).map((field) => `"${field}"`).join(', ');
  return rollupRowsOf(await influx.query(`SELECT ${fields}, "fields_present" FROM "${airDailyMeasurement}" WHERE time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY "device", "street"`));
}

/** Each place's daily values; a street's day is the mean over its stations with a value that day. */
function byPlace(rows: ReadonlyArray<Record<string, unknown>>, placeOf: (row: Record<string, unknown>) => string): DailyByPlace {
  const sums = new Map<string, Map<number, Record<string, number[]>>>();
  for (const row of rows) {
    const place = placeOf(row);
    const days = sums.get(place) ?? new Map<number, Record<string, number[]>>();
    sums.set(place, days);
    const day = days.get(Number(row.time)) ?? {};
    days.set(Number(row.time), day);
    for (const [key, field] of Object.entries(inputFields)) if (typeof row[field] === 'number') (day[key] ??= []).push(row[field] as number);
  }
  const out: DailyByPlace = new Map();
  for (const [place, days] of sums) {
    out.set(place, new Map([...days].map(([time, values]) => [time, Object.fromEntries(Object.keys(inputFields).map((key) => [key, values[key]?.length ? values[key]!.reduce((a, b) => a + b, 0) / values[key]!.length : null])) as Record<keyof CompositeInput, number | null>])));
  }
  return out;
}

function indexOf(days: Map<number, Record<keyof CompositeInput, number | null>> | undefined): CompositeIndex | null {
  if (!days || days.size === 0) return null;
  const list = [...days.values()];
  const input = Object.fromEntries(Object.keys(inputFields).map((key) => [key, list.map((day) => day[key as keyof CompositeInput])])) as unknown as CompositeInput;
  return compositeIndex(input);
}

/** Each pollutant's count of days with a value. */
function daysWithValue(days: Map<number, Record<keyof CompositeInput, number | null>> | undefined): Record<keyof CompositeInput, number> {
  const counts = Object.fromEntries(Object.keys(inputFields).map((key) => [key, 0])) as Record<keyof CompositeInput, number>;
  for (const day of days?.values() ?? []) for (const key of Object.keys(counts) as Array<keyof CompositeInput>) if (day[key] !== null) counts[key] += 1;
  return counts;
}

/** GB 3095-2026 Table 4's monthly share of valid days (27 of 31), asked of last year's period against this one's. */
const COMPARABLE_SHARE = 27 / 31;

/**
 * Whether last year's days stand comparison with this period's: for each pollutant, days with a value
 * on at least 27/31 of the days this period has one. The platform's first night of last year (a
 * single day) gave a year's "same period last year" index, and a change on it, as if it were the year.
 */
function comparable(current: Map<number, Record<keyof CompositeInput, number | null>> | undefined, previous: Map<number, Record<keyof CompositeInput, number | null>> | undefined): boolean {
  const now = daysWithValue(current);
  const before = daysWithValue(previous);
  return (Object.keys(now) as Array<keyof CompositeInput>).every((key) => before[key] >= Math.ceil(now[key] * COMPARABLE_SHARE));
}

// CO and O3 enter as percentiles (环办监测〔2018〕19号), named so in the report's language.
const pollutantHeaders = [
  ['so2', 'SO₂', 'SO₂', 'µg/m³'], ['no2', 'NO₂', 'NO₂', 'µg/m³'], ['pm10', 'PM₁₀', 'PM₁₀', 'µg/m³'], ['pm25', 'PM₂.₅', 'PM₂.₅', 'µg/m³'],
  ['co', 'CO第95百分位', 'CO P95', 'mg/m³'], ['o3', 'O₃日最大8小时第90百分位', 'O₃-8h P90', 'µg/m³'],
] as const;

function columns(lang: Lang): ReportColumn[] {
  return [
    { key: 'kind', header: say(lang, '类别', 'Kind'), width: 8 },
    { key: 'rank', header: say(lang, '排名', 'Rank'), numFmt: '0' },
    { key: 'place', header: say(lang, '站点/街道', 'Station / street'), width: 22 },
    { key: 'index', header: say(lang, '综合指数', 'Composite index'), numFmt: '0.00' },
    { key: 'lastYear', header: say(lang, '去年同期综合指数', 'Same period last year'), numFmt: '0.00' },
    { key: 'change', header: say(lang, '同比变化 (%)', 'Change on last year (%)'), numFmt: '0.0' },
    { key: 'maxPart', header: say(lang, '最大分指数污染物', 'Largest sub-index'), width: 12 },
    ...pollutantHeaders.map(([key, zh, en, unit]): ReportColumn => ({ key: `c_${key}`, header: `${say(lang, zh, en)} (${unit})`, numFmt: key === 'co' ? '0.0' : '0' })),
  ];
}

/**
 * Standard competition ranking (1, 2, 2, 4) of indices sorted best first, compared as printed (two
 * decimals): places whose printed indices are equal share a rank, and the next rank skips as many
 * places as shared it, so a reader never sees 2.88 ranked 6th and 2.88 ranked 7th.
 */
export function competitionRanks(sortedIndices: readonly number[]): number[] {
  const printed = sortedIndices.map((index) => index.toFixed(2));
  return printed.map((text) => printed.indexOf(text) + 1);
}

/**
 * The ranking of stations and of streets by the composite index (环办监测〔2018〕19号), smallest
 * first (best air first), with the index of the same period a year earlier and the change on it.
 */
export async function rankingTable(deps: { influx: InfluxClient; registry: DeviceRegistry; now: number }, period: Period, lang: Lang): Promise<ReportTable> {
  // The same days of last year as this period has had: a month asked on its 10th is compared with
  // last year's 1st to 10th, not with last year's whole month (its season's air, not this year's).
  // Never past last year's end of the period: 29 February of a running leap-year February is 1 March a year before.
  const lastYearTo = Math.min(sameBeijingTimeLastYear(period.toMs), sameBeijingTimeLastYear(Math.min(period.toMs, deps.now)));
  const [now, before] = await Promise.all([dailyValues(deps.influx, period.fromMs, period.toMs), dailyValues(deps.influx, sameBeijingTimeLastYear(period.fromMs), lastYearTo)]);
  const rows: Array<Record<string, CellValue>> = [];
  const kinds = [
    // Registered names in the report's language (issue 22 item 1: streets were printed as ids, `guiyuan`).
    { kind: say(lang, '站点', 'station'), placeOf: (row: Record<string, unknown>) => String(row.device), name: (id: string) => placeName(deps.registry.device(id)!, lang) },
    { kind: say(lang, '街道', 'street'), placeOf: (row: Record<string, unknown>) => String(row.street), name: (id: string) => streetName(deps.registry.file, id, lang) },
  ];
  // Like with like: a place's last year from the stations that make its figure this period. A station
  // taken out of the registry since (or moved to another street) left this period's street figure but
  // stayed in last year's, so the change on last year was the network's, not the air's.
  const counted = now.filter((row) => deps.registry.device(String(row.device)));
  const stationsNow = new Set(counted.map((row) => `${String(row.device)}|${String(row.street)}`));
  const comparableBefore = before.filter((row) => stationsNow.has(`${String(row.device)}|${String(row.street)}`));
  for (const { kind, placeOf, name } of kinds) {
    const current = byPlace(counted, placeOf);
    const previous = byPlace(comparableBefore, placeOf);
    const ranked = [...current.keys()].map((place) => ({ place, index: indexOf(current.get(place)), lastYear: comparable(current.get(place), previous.get(place)) ? indexOf(previous.get(place)) : null }))
      .filter((entry) => entry.index !== null && entry.index.index !== null)
      .sort((a, b) => a.index!.index! - b.index!.index! || a.place.localeCompare(b.place));
    const ranks = competitionRanks(ranked.map((entry) => entry.index!.index!));
    ranked.forEach((entry, i) => {
      const ci = entry.index!.concentrations;
      rows.push({
        kind, rank: ranks[i]!, place: name(entry.place), index: entry.index!.index, lastYear: entry.lastYear?.index ?? null,
        change: compositeChange(entry.index!.index, entry.lastYear?.index ?? null), maxPart: entry.index!.maxPart ? COMPOSITE_POLLUTANT_NAMES[entry.index!.maxPart] : null,
        ...Object.fromEntries(pollutantHeaders.map(([key]) => [`c_${key}`, ci[key]])),
      });
    });
  }
  return {
    id: 'ranking',
    title: say(lang, '环境空气质量综合指数排名', 'Ranking by the ambient-air composite index'),
    sheet: say(lang, '综合指数排名', 'Ranking'),
    columns: columns(lang),
    rows,
    notes: [
      say(lang, `综合指数 I = Σ Cᵢ/Sᵢ（${COMPOSITE_SOURCE.zh}）：SO₂、NO₂、PM₁₀、PM₂.₅取期间日均值的平均，CO取日均值第95百分位，O₃取日最大8小时平均第90百分位；指数越小空气越好，排名第1为最好。`, `Composite index I = Σ Cᵢ/Sᵢ (${COMPOSITE_SOURCE.en}): SO₂, NO₂, PM₁₀, PM₂.₅ as the period's mean of daily means, CO the 95th percentile of daily means, O₃ the 90th percentile of the daily maximum 8-h means; a smaller index is cleaner air, rank 1 the best.`),
      say(lang, '综合指数（两位小数）相同者并列同一名次，其后名次顺延（如1、2、2、4）。', 'Places with the same index (two decimals) share a rank, and the next rank skips accordingly (1, 2, 2, 4).'),
      say(lang, '街道的日值为其各站点当日值的平均；同比变化 =（本期 − 去年同期）/ 去年同期。去年同期取本期已过的同样日子，街道只计本期有数据的站点。', 'A street’s day is the mean of its stations’ values that day; change = (this period − same period last year) / same period last year. The same period last year is the same days as this period has had so far, and a street’s counts only the stations that give its figure this period.'),
      say(lang, '去年同期各污染物有日值的天数不足本期的27/31（GB 3095-2026表4的月有效天数比例）时，不列去年同期综合指数与同比变化。', 'Where last year’s period has daily values on fewer than 27/31 of the days this period has them (GB 3095-2026 Table 4’s monthly share), its index and the change are left empty.'),
    ],
  };
}
