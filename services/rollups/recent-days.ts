import { getFamily, type FamilyId } from '../families/index.ts';
import { intervalMeasurement } from '../hj212/intervals.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { dayOf } from './rollup-types.ts';

/**
 * The Beijing days since `sinceMs` on which a family has readings stored: its own measurement, or a
 * station's minute, hour or day values (`<measurement>_hj212`). What the engine recomputes when it
 * starts (rollup-engine.ts); a day without readings is left alone, so a fresh installation gets no
 * rollup of the day before it existed.
 */
export async function daysWithReadings(influx: InfluxClient, family: FamilyId, sinceMs: number): Promise<number[]> {
  const measurement = getFamily(family).measurement;
  // Every reading and station value carries recv_lag_ms; a day of Beijing time is time(1d) shifted by -8h.
  const series = await influx.query(`SELECT COUNT("recv_lag_ms") FROM /^(${measurement}|${intervalMeasurement(measurement)})$/ WHERE time >= ${sinceMs}ms GROUP BY time(1d, -8h)`);
  const days = new Set<number>();
  for (const { values } of series) for (const [time, count] of values) if (typeof count === 'number' && count > 0) days.add(dayOf(Number(time)));
  return [...days];
}
