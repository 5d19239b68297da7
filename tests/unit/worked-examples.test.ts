import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { classifyLoad, goodDayRatio, hj663Percentile, type LoadPoint } from '../../services/standards/index.ts';

/**
 * Every worked example of shared/reference/standards.md §7 (the corrected reference: examples 1 and
 * 9 rounded as its own rules say), plus lakes and reservoirs with TN (§3.2). Rows of the kinds
 * `wanxiang evaluate` knows go through the real command, all in one run; the three examples no row
 * kind carries (good-day ratio, percentile, grid load) go through the standards functions it is built on.
 */
type Row = Record<string, unknown> & { id: string; kind: string };
interface ByEvaluate { readonly rows: ReadonlyArray<{ row: Row; expected: Record<string, unknown> }> }
interface ByFunction { readonly check: () => void }
type Example = { readonly name: string } & (ByEvaluate | ByFunction);

const air = (id: string, date: string, values: Record<string, number>): Row => ({ id, kind: 'air-day', date, ...values });
const hour = (id: string, time: string, values: Record<string, number>): Row => ({ id, kind: 'air-hour', time, ...values });
const water = (id: string, waterbody: string, values: Record<string, number>): Row => ({ id, kind: 'water', date: '2025-06-01', waterbody, ...values });
const noise = (id: string, zone: string, period: string, leq: number, lmax?: number): Row =>
  ({ id, kind: 'noise', date: '2025-06-01', zone, period, leq, ...(lmax === undefined ? {} : { lmax }) });

const day = (pct: (i: number) => number): LoadPoint[] =>
  Array.from({ length: 96 }, (_, i) => ({ at: Date.parse('2025-07-01T00:00:00+08:00') + i * 900_000, loadRatePct: pct(i) }));

const examples: readonly Example[] = [
  { name: '1 HJ 633 by version: PM2.5 24-h 40', rows: [
    { row: air('1-2012', '2025-06-01', { pm25: 40 }), expected: { iaqi: { pm25: 57 }, aqi: 57, standard: 'HJ 633-2012' } },
    { row: air('1-2026', '2026-06-01', { pm25: 40 }), expected: { iaqi: { pm25: 60 }, standard: 'HJ 633-2026' } },
  ] },
  { name: '2 HJ 633-2026: PM2.5 60, PM10 120, PM2.5 61', rows: [
    { row: air('2-pm25', '2026-06-01', { pm25: 60 }), expected: { iaqi: { pm25: 100 } } },
    { row: air('2-pm10', '2026-06-01', { pm10: 120 }), expected: { iaqi: { pm10: 100 } } },
    { row: air('2-61', '2026-06-01', { pm25: 61 }), expected: { iaqi: { pm25: 101 }, aqi: 101, category: '轻度污染' } },
  ] },
  { name: '3 HJ 633-2026: SO2 1-h 900, O3 8-h 900', rows: [
    { row: hour('3-so2', '2026-06-01T10:00+08:00', { so2: 900 }), expected: { iaqi: { so2: 200 } } },
    { row: air('3-o3', '2026-06-01', { o3_8h: 900 }), expected: { iaqi: { o3_8h: 300 } } },
  ] },
  { name: '4 HJ 633-2026: half to even first', rows: [
    { row: air('4-60.5', '2026-06-01', { pm25: 60.5 }), expected: { iaqi: { pm25: 100 } } },
    { row: air('4-60.6', '2026-06-01', { pm25: 60.6 }), expected: { iaqi: { pm25: 101 } } },
  ] },
  { name: '5 HJ 633 both versions: SO2 24-h 150 and 65', rows: [
    { row: air('5-150-2012', '2025-06-01', { so2: 150 }), expected: { iaqi: { so2: 100 } } },
    { row: air('5-65-2012', '2025-06-01', { so2: 65 }), expected: { iaqi: { so2: 58 } } },
    { row: air('5-150-2026', '2026-06-01', { so2: 150 }), expected: { iaqi: { so2: 100 } } },
    { row: air('5-65-2026', '2026-06-01', { so2: 65 }), expected: { iaqi: { so2: 58 } } },
  ] },
  { name: '6 HJ 633-2026: PM10 150, PM2.5 75', rows: [
    { row: air('6-pm10', '2026-06-01', { pm10: 150 }), expected: { iaqi: { pm10: 112 } } },
    { row: air('6-pm25', '2026-06-01', { pm25: 75 }), expected: { iaqi: { pm25: 114 } } },
  ] },
  { name: '7 good-day ratio: 40 + 47 of 88 valid days', check: () => {
    const aqis = [...Array<number>(40).fill(40), ...Array<number>(47).fill(80), 130, null, null, null];
    expect(goodDayRatio(aqis)).toMatchObject({ goodDays: 87, validDays: 88, percent: 98.9 });
  } },
  { name: '8 HJ 663 percentile of 1 … 20', check: () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect([90, 95, 98].map((p) => hj663Percentile(values, p))).toEqual([18.1, 19.05, 19.62]);
  } },
  { name: '9 GB 3838 river bounds, rounded first (2020 table)', rows: [
    { row: water('9-do-5.0', 'river', { do: 5.0 }), expected: { class: 'III' } },
    { row: water('9-do-4.94', 'river', { do: 4.94 }), expected: { class: 'IV' } },
    { row: water('9-do-4.99', 'river', { do: 4.99 }), expected: { class: 'III' } },
    { row: water('9-tp-0.200', 'river', { tp: 0.2 }), expected: { class: 'III' } },
    { row: water('9-tp-0.201', 'river', { tp: 0.201 }), expected: { class: 'IV' } },
    { row: water('9-nh3n-2.00', 'river', { nh3n: 2.0 }), expected: { class: 'V' } },
    { row: water('9-nh3n-2.01', 'river', { nh3n: 2.01 }), expected: { class: '劣V' } },
    { row: water('9-cod-15', 'river', { cod: 15 }), expected: { class: 'I' } },
    { row: water('9-ph-9.0', 'river', { ph: 9.0 }), expected: { class: 'I' } },
    { row: water('9-ph-9.4', 'river', { ph: 9.4 }), expected: { class: 'I' } },
    { row: water('9-ph-9.6', 'river', { ph: 9.6 }), expected: { class: '劣V' } },
  ] },
  { name: '10 GB 3096: 4a night 56, zone 2 day 60.0, zone 1 night Lmax 61', rows: [
    { row: noise('10-4a', '4a', 'night', 56), expected: { limit: 55, exceeds: true } },
    { row: noise('10-2', '2', 'day', 60.0), expected: { limit: 60, exceeds: false } },
    { row: noise('10-1', '1', 'night', 40, 61), expected: { lmaxLimit: 60, lmaxExceeds: true } },
  ] },
  { name: '11 grid practice: 8 points at 106 %, at 89 %, 105 % never 8 in a row', check: () => {
    expect(classifyLoad(day((i) => (i >= 40 && i < 48 ? 106 : 50)))).toBe('overload');
    expect(classifyLoad(day((i) => (i >= 40 && i < 48 ? 89 : 50)))).toBe('heavy');
    expect(classifyLoad(day((i) => (i % 8 === 7 ? 50 : 105)))).toBe('normal');
  } },
  { name: '§3.2 lakes and reservoirs: TN beside the class, never in it; TP by the lake limits', rows: [
    { row: water('lake-tn', 'lake', { do: 7.6, codmn: 3.5, nh3n: 0.3, tp: 0.02, tn: 1.3 }), expected: { class: 'II', limiting: [], tnClass: 'IV' } },
    { row: water('reservoir-tn', 'reservoir', { do: 6.5, tp: 0.04, tn: 2.5 }), expected: { class: 'III', limiting: [], tnClass: '劣V' } },
    { row: water('river-tn', 'river', { do: 6.5, tp: 0.04, tn: 2.5 }), expected: { class: 'II', limiting: [] } },
  ] },
];

function runEvaluate(rows: readonly Row[]): Map<string, Record<string, unknown>> {
  const cwd = new URL('../..', import.meta.url).pathname;
  const input = rows.map((row) => JSON.stringify(row)).join('\n');
  const run = spawnSync('node', ['bin/wanxiang.js', 'evaluate', '-'], { cwd, input, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Map(results.map((result) => [String(result.id), result]));
}

describe('wanxiang evaluate agrees with every worked example of standards.md', () => {
  const rows = examples.flatMap((example) => ('rows' in example ? example.rows.map(({ row }) => row) : []));
  const results = runEvaluate(rows);

  it.each(examples.map((example) => [example.name, example] as const))('example %s', (_name, example) => {
    if ('check' in example) return example.check();
    for (const { row, expected } of example.rows) {
      expect(results.get(row.id), row.id).toMatchObject(expected);
      if (row.waterbody === 'river') expect(results.get(row.id), `${row.id}: rivers have no tnClass`).not.toHaveProperty('tnClass');
    }
  });
});
