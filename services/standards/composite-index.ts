import { validValues, type Gappy } from './air-validity.ts';
import { hj663Percentile } from './percentile.ts';
import { reportedConcentration } from './reporting-precision.ts';
import { roundHalfEven } from './rounding.ts';

/**
 * The divisors of the ambient-air composite index (环境空气质量综合指数), 《城市环境空气质量排名技术规定》
 * 环办监测〔2018〕19号: the annual Grade II limits of GB 3095-2012 for SO2, NO2, PM10 and PM2.5, the 24-h
 * Grade II limit for CO, the daily maximum 8-h limit for O3. The rule names GB 3095-2012; its divisors are
 * kept for periods under GB 3095-2026 too, so that a year compares with the year before (said in the report).
 */
export const COMPOSITE_DIVISORS = { so2: 60, no2: 40, pm10: 70, pm25: 35, co: 4, o3: 160 } as const;
/** The rule and the divisors' source, in each report language (issue 22 item 1: the zh note carried English). */
export const COMPOSITE_SOURCE = {
  zh: '环办监测〔2018〕19号《城市环境空气质量排名技术规定》；分母取GB 3095-2012二级标准限值',
  en: 'Huanban Jiance [2018] No. 19, technical rules for ranking urban ambient air quality; divisors the GB 3095-2012 Grade II limits',
} as const;

/** Each pollutant of the index as bulletins name it (HJ 633 notation), the same in both languages. */
export const COMPOSITE_POLLUTANT_NAMES = { so2: 'SO₂', no2: 'NO₂', pm10: 'PM₁₀', pm25: 'PM₂.₅', co: 'CO', o3: 'O₃' } as const;

export type CompositePollutant = keyof typeof COMPOSITE_DIVISORS;

export interface CompositeInput {
  /** Valid daily means of the period, µg/m³ (CO mg/m³). */
  readonly so2: Gappy;
  readonly no2: Gappy;
  readonly pm10: Gappy;
  readonly pm25: Gappy;
  readonly co: Gappy;
  /** Valid daily maximum 8-h O3 means (MDA8), µg/m³. */
  readonly o3_8h: Gappy;
}

export interface CompositeIndex {
  /** I = Σ Ii, to two decimals (half to even); null when a pollutant has no value. */
  readonly index: number | null;
  /** Ci as published (µg/m³ integers, CO one decimal): period means, CO P95, O3 P90. */
  readonly concentrations: Readonly<Record<CompositePollutant, number | null>>;
  /** Ii = Ci / Si, unrounded. */
  readonly parts: Readonly<Record<CompositePollutant, number | null>>;
  readonly maxPart: CompositePollutant | null;
}

const mean = (values: Gappy) => {
  const valid = validValues(values);
  return valid.length ? valid.reduce((a, b) => a + b, 0) / valid.length : null;
};

/**
 * I = Σ Ci/Si over the six pollutants (环办监测〔2018〕19号): SO2, NO2, PM10, PM2.5 as the period's mean
 * of daily means; CO as the 95th percentile of daily means; O3 as the 90th percentile of the MDA8 (HJ 663's
 * percentile). Each Ci is taken at its published precision, as bulletins print it, so a reader recomputes
 * I from the printed Ci.
 */
export function compositeIndex(input: CompositeInput): CompositeIndex {
  const raw: Record<CompositePollutant, number | null> = {
    so2: mean(input.so2), no2: mean(input.no2), pm10: mean(input.pm10), pm25: mean(input.pm25),
    co: hj663Percentile(input.co, 95), o3: hj663Percentile(input.o3_8h, 90),
  };
  const concentrations = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value === null ? null : reportedConcentration(value, key === 'co' ? 'mgm3' : 'ugm3', key)])) as Record<CompositePollutant, number | null>;
  const parts = Object.fromEntries(Object.entries(concentrations).map(([key, value]) => [key, value === null ? null : value / COMPOSITE_DIVISORS[key as CompositePollutant]])) as Record<CompositePollutant, number | null>;
  const values = Object.values(parts);
  const complete = values.every((value) => value !== null);
  const maxPart = complete ? (Object.entries(parts).sort((a, b) => b[1]! - a[1]!)[0]![0] as CompositePollutant) : null;
  return { index: complete ? roundHalfEven(values.reduce((sum, value) => sum! + value!, 0)!, 2) : null, concentrations, parts, maxPart };
}

/** The change on the same period of the year before, in per cent to one decimal (negative: better). */
export function compositeChange(index: number | null, lastYear: number | null): number | null {
  if (index === null || lastYear === null || lastYear === 0) return null;
  return roundHalfEven(((index - lastYear) / lastYear) * 100, 1);
}
