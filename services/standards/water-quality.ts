import type { waterClasses } from '../families/water.ts';
import { nonNegative } from './checks.ts';
import { roundHalfEven } from './rounding.ts';

export type WaterClass = 'I' | 'II' | 'III' | 'IV' | 'V' | '劣V';
/** A section's water-quality target: one of the five GB 3838 classes (the water family's targetClass). */
export type WaterTargetClass = (typeof waterClasses)[number];
/** GB 3838-2002 Table 1 items Wanxiang measures (payload keys), plus BOD5. */
export type WaterParameter = 'ph' | 'do' | 'codmn' | 'cod' | 'bod5' | 'nh3n' | 'tp' | 'tn';
/** GB 3838-2002 distinguishes rivers from lakes and reservoirs (湖、库), which share TP limits and TN's separate class. */
export type Waterbody = 'river' | 'lake' | 'reservoir';
export const WATERBODIES: readonly Waterbody[] = ['river', 'lake', 'reservoir'];

export const WATER_CLASSES: readonly WaterClass[] = ['I', 'II', 'III', 'IV', 'V', '劣V'];
export const WATER_PARAMETERS: readonly WaterParameter[] = ['ph', 'do', 'codmn', 'cod', 'bod5', 'nh3n', 'tp', 'tn'];

/** Names used in Chinese bulletins ("高锰酸盐指数(1.2)"). */
export const WATER_PARAMETER_NAMES: Readonly<Record<WaterParameter, string>> = {
  ph: 'pH', do: '溶解氧', codmn: '高锰酸盐指数', cod: '化学需氧量', bod5: '五日生化需氧量', nh3n: '氨氮', tp: '总磷', tn: '总氮',
};

type FiveLimits = readonly [number, number, number, number, number];

// GB 3838-2002 Table 1, mg/L, Class I … V; "at most" items.
const upperLimits: Readonly<Record<'codmn' | 'cod' | 'bod5' | 'nh3n' | 'tn', FiveLimits>> = {
  codmn: [2, 4, 6, 10, 15],
  cod: [15, 15, 20, 30, 40],
  bod5: [3, 3, 4, 6, 10],
  nh3n: [0.15, 0.5, 1.0, 1.5, 2.0],
  tn: [0.2, 0.5, 1.0, 1.5, 2.0],
};
// GB 3838-2002 Table 1: total phosphorus differs for rivers and for lakes/reservoirs.
const tpLimits: Readonly<Record<Waterbody, FiveLimits>> = {
  river: [0.02, 0.1, 0.2, 0.3, 0.4],
  lake: [0.01, 0.025, 0.05, 0.1, 0.2],
  reservoir: [0.01, 0.025, 0.05, 0.1, 0.2],
};
// GB 3838-2002 Table 1: dissolved oxygen is "at least". Class I's alternative (90 % saturation) is not used.
const doLimits: FiveLimits = [7.5, 6, 5, 3, 2];
// GB 3838-2002 Table 1: pH 6–9 in every class; outside is 劣V.
const PH_RANGE = [6, 9] as const;

// 《地表水环境质量监测数据统计技术规定（试行）》(2020): decimals of assessment values, rounded half to
// even (UNVERIFIED; from sm1lewc/Journey.SurfaceWater FactorAssessmentDecimalPlaces2020.cs).
const assessmentDecimals: Readonly<Record<WaterParameter, number>> = {
  ph: 0, do: 1, codmn: 1, cod: 1, bod5: 1, nh3n: 2, tp: 3, tn: 2,
};

/** The ordinal of a class, 0 (I) … 5 (劣V); a larger rank is worse. */
export function waterClassRank(waterClass: WaterClass): number {
  return WATER_CLASSES.indexOf(waterClass);
}

/** The decimals an item's assessment value is rounded to (2020 statistics rule). */
export function assessmentDecimalsOf(parameter: WaterParameter): number {
  return assessmentDecimals[parameter];
}

/** One line that says how water values are rounded, for answers' provenance and the README. */
// 《地表水环境质量监测数据统计技术规定（试行）》(2020); said in English, since English reports print it.
export const WATER_ROUNDING_NOTE = 'the 2020 statistics rules for surface-water monitoring data (trial): period means rounded half to even (GB/T 8170) before classifying, to pH 0, DO/CODMn/COD/BOD5 1, NH3-N 2, TP 3, TN 2 decimals';

/** The assessment value: rounded per the 2020 statistics rule before any classification. */
export function roundForAssessment(parameter: WaterParameter, value: number): number {
  return roundHalfEven(nonNegative(value, parameter), assessmentDecimals[parameter]);
}

/** The class limit of an item (DO: the minimum; others: the maximum); null for pH, which has a range. */
export function waterLimit(parameter: WaterParameter, waterClass: WaterTargetClass, waterbody: Waterbody = 'river'): number | null {
  const index = waterClassRank(waterClass);
  if (parameter === 'ph') return null;
  if (parameter === 'do') return doLimits[index]!;
  if (parameter === 'tp') return tpLimits[waterbody][index]!;
  return upperLimits[parameter][index]!;
}

/**
 * GB 3838-2002 §4: the best class whose limit the value meets (≤, or ≥ for DO); 劣V beyond Class V.
 * Equal I/II limits (COD, BOD5) give Class I. The value is used as given: round it first.
 */
export function classifyParameter(parameter: WaterParameter, value: number, waterbody: Waterbody = 'river'): WaterClass {
  const checked = nonNegative(value, parameter);
  if (parameter === 'ph') return checked >= PH_RANGE[0] && checked <= PH_RANGE[1] ? 'I' : '劣V';
  // Classes I … V in order (a loop, not find() over a slice: the alarm engine asks this for every water reading).
  for (let rank = 0; rank < 5; rank += 1) {
    const limit = waterLimit(parameter, WATER_CLASSES[rank] as WaterTargetClass, waterbody)!;
    if (parameter === 'do' ? checked >= limit : checked <= limit) return WATER_CLASSES[rank]!;
  }
  return '劣V';
}
