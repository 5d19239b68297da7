import type { InfluxClient, Series } from '../storage/influx-client.ts';
import { encodePoint, type Point } from '../storage/line-protocol.ts';
import { FIELDS_PRESENT } from './fields-present.ts';

/** A week of a measurement at a time: grid_load_15min's 54 devices × 96 quarters × 7 days is ~36,000 rows. */
const chunkMs = 7 * 86_400_000;
const linesPerWrite = 5_000;

export interface StampProgress {
  readonly measurement: string;
  readonly points: number;
}

/** The time of the first (or last) point of a measurement, any series, any field. */
async function endOf(influx: InfluxClient, measurement: string, order: 'ASC' | 'DESC'): Promise<number | null> {
  const [series] = await influx.query(`SELECT * FROM "${measurement}" ORDER BY time ${order} LIMIT 1`);
  const time = series?.values[0]?.[0];
  return typeof time === 'number' ? time : null;
}

/** The points of an answer that carry no fields_present, each as the point that gives it its list. */
function unlisted(measurement: string, series: readonly Series[]): Point[] {
  return series.flatMap(({ tags, columns, values }) => {
    const listColumn = columns.indexOf(FIELDS_PRESENT);
    return values
      .filter((row) => listColumn < 0 || row[listColumn] === null || row[listColumn] === undefined)
      .map((row): Point => {
        // What the stored point holds: every field with a value (a point written before schema 3 that no mark touched holds them all).
        const held = columns.filter((column, i) => i > 0 && column !== FIELDS_PRESENT && row[i] !== null && row[i] !== undefined);
        return { measurement, tags: { ...(tags ?? {}) }, fields: [[FIELDS_PRESENT, held.join(','), 'string']], timeMs: row[0] as number };
      });
  });
}

/**
 * Rollup schema 3 (rollup-schema.ts): every stored point of the rollup measurements that has no
 * fields_present gets one, listing the fields it holds, so that a condition on the list (the Grafana
 * dashboards') keeps it. Only the list is written: InfluxDB merges it into the stored point, whose
 * figures stay as they are, so nothing is recomputed from the raw readings. Idempotent (a listed
 * point is left alone), so a run cut short is finished by the next. Returns the points stamped.
 * Runs inside the engine's run, so no window of the same measurements is written meanwhile.
 */
export async function stampFieldsPresent(influx: InfluxClient, measurements: readonly string[], onProgress?: (progress: StampProgress) => void): Promise<number> {
  const stored = new Set((await influx.query('SHOW MEASUREMENTS')).flatMap((series) => series.values.map((row) => String(row[0]))));
  let total = 0;
  for (const measurement of measurements.filter((name) => stored.has(name))) {
    const first = await endOf(influx, measurement, 'ASC');
    const last = await endOf(influx, measurement, 'DESC');
    if (first === null || last === null) continue;
    let points = 0;
    for (let from = first; from <= last; from += chunkMs) {
      const series = await influx.query(`SELECT * FROM "${measurement}" WHERE time >= ${from}ms AND time < ${Math.min(from + chunkMs, last + 1)}ms GROUP BY *`);
      const lines = unlisted(measurement, series).map(encodePoint);
      for (let i = 0; i < lines.length; i += linesPerWrite) await influx.write(lines.slice(i, i + linesPerWrite).join('\n'));
      points += lines.length;
    }
    total += points;
    if (points > 0) onProgress?.({ measurement, points });
  }
  return total;
}
