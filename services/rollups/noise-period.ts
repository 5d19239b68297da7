import { energyAverage, energyAverageWeighted, noiseCoverage, type NoiseCoverage, type NoisePeriod, type TimedLevel } from '../standards/index.ts';
import type { RawRow } from './rollup-types.ts';

const hourMs = 3_600_000;
const minuteMs = 60_000;

export interface NoisePeriodFigures {
  readonly leq: number | null;
  /** The Lmax values of the period, of readings and of the station's own hours. */
  readonly lmax: readonly number[];
  /** Readings, and hours of the station's own, that the period holds. */
  readonly points: number;
  readonly coverage: NoiseCoverage;
}

const numbers = (values: ReadonlyArray<number | undefined>) => values.filter((value): value is number => typeof value === 'number');
const levels = (rows: readonly RawRow[], field: string) => numbers(rows.map((row) => row.fields[field]));

/**
 * A monitor's day (06-22) or night (22-06) period in [fromMs, toMs). A station speaking HJ 212
 * sends its level in real time as LA (C.25) and its Leq in its own minute and hour values
 * (C.26 `Leq-Data`, `LMx-Data`), not as real-time Leq: an hour it sent is that hour's Leq and
 * 60 minutes of the period (an hour it sent flagged invalid is an hour without a level and
 * without coverage, as in the air rollups), its readings of that hour are not counted again; the period's Leq weighs each
 * part by its length (GB 3096-2008 Annex C: the energy average over the period).
 */
export function noisePeriod(period: NoisePeriod, rows: readonly RawRow[], fromMs: number, toMs: number, intervalMinutes: number, sent?: ReadonlyMap<number, Readonly<Record<string, number>>>): NoisePeriodFigures {
  const inPeriod = rows.filter((row) => row.time >= fromMs && row.time < toMs);
  const hours: Array<Readonly<Record<string, number>>> = [];
  for (let start = fromMs; sent && start < toMs; start += hourMs) {
    const hour = sent.get(start);
    if (hour) hours.push(hour);
  }
  if (hours.length === 0) {
    return { leq: energyAverage(levels(inPeriod, 'leq_dba')), lmax: levels(inPeriod, 'lmax_dba'), points: inPeriod.length, coverage: noiseCoverage(inPeriod.length, intervalMinutes, period) };
  }
  const readings = inPeriod.filter((row) => !sent!.has(row.time - (row.time % hourMs)));
  const hourLevels = numbers(hours.map((hour) => hour.leq_dba));
  const samples: TimedLevel[] = [...levels(readings, 'leq_dba').map((leq) => ({ leq, durationMs: intervalMinutes * minuteMs })), ...hourLevels.map((leq) => ({ leq, durationMs: hourMs }))];
  // Valid data only: an hour it flagged invalid is no minute of the period's coverage.
  const minutes = readings.length * intervalMinutes + hourLevels.length * 60;
  return {
    leq: energyAverageWeighted(samples),
    lmax: [...levels(readings, 'lmax_dba'), ...numbers(hours.map((hour) => hour.lmax_dba))],
    points: readings.length + hourLevels.length,
    coverage: noiseCoverage(minutes / intervalMinutes, intervalMinutes, period),
  };
}
