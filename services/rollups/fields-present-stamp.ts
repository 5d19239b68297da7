import { WanxiangError } from '../errors.ts';
import { InfluxRequestError, type InfluxClient, type Series } from '../storage/influx-client.ts';
import { encodePoint, type Point } from '../storage/line-protocol.ts';
import { FIELDS_PRESENT } from './fields-present.ts';

/**
 * Rows a read should bring back, about: a time span of a measurement is read at a time, an hour first,
 * then halved or doubled (up to a week) by what the last read brought. A fixed week was ~36,000 rows of
 * grid_load_15min for the district's 54 transformers, but a city's 10,000 would be 6.7 million, past
 * what one answer can be in memory (a string longer than V8's limit): the first run would fail at every
 * start, and no rollup would run again.
 */
export const stampRowsPerRead = 20_000;
const firstSpanMs = 3_600_000;
const longestSpanMs = 7 * 86_400_000;
const shortestSpanMs = 1_000;
const linesPerWrite = 5_000;

export interface StampProgress {
  readonly measurement: string;
  readonly points: number;
}

export interface StampOptions {
  /** Told of each measurement whose points gained their list. */
  readonly onProgress?: (progress: StampProgress) => void;
  /**
   * Told of lines InfluxDB refused (4xx): another program wrote fields_present with another type in
   * that shard. They stay without a list; the others are written (InfluxDB writes the rest of a batch).
   */
  readonly onRefused?: (measurement: string, lines: number, error: InfluxRequestError) => void;
  /** Aborted when the engine closes: the stamp stops between reads. */
  readonly signal?: AbortSignal;
  /** About how many rows a read brings back (stampRowsPerRead). */
  readonly rowsPerRead?: number;
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
export async function stampFieldsPresent(influx: InfluxClient, measurements: readonly string[], options: StampOptions = {}): Promise<number> {
  const { onProgress, onRefused, signal, rowsPerRead = stampRowsPerRead } = options;
  // Years of history take minutes: a closing engine stops between chunks (the rest waits for the next start, the schema unmarked).
  const stopIfClosing = () => {
    if (signal?.aborted) throw new WanxiangError('WX_ERR_ROLLUP_FAILED', 'the rollup engine closed while older rollup points were gaining their fields_present: the rest is done at the next start');
  };
  const stored = new Set((await influx.query('SHOW MEASUREMENTS')).flatMap((series) => series.values.map((row) => String(row[0]))));
  let total = 0;
  for (const measurement of measurements.filter((name) => stored.has(name))) {
    const first = await endOf(influx, measurement, 'ASC');
    const last = await endOf(influx, measurement, 'DESC');
    if (first === null || last === null) continue;
    let points = 0;
    // Lines gathered over chunks up to a write's worth: a sparse history wrote a request (an fsync of
    // influxd's WAL, ~20 ms here) for each week of a few points.
    let lines: string[] = [];
    const flush = async () => {
      for (let i = 0; i < lines.length; i += linesPerWrite) {
        const part = lines.slice(i, i + linesPerWrite);
        try {
          await influx.write(part.join('\n'));
          points += part.length;
        } catch (error) {
          // A 4xx is the data's, not an outage's: refused again at every start, it stopped every rollup for good.
          if (!(error instanceof InfluxRequestError) || error.retryable) throw error;
          onRefused?.(measurement, part.length, error);
        }
      }
      lines = [];
    };
    for (let from = first, span = firstSpanMs; from <= last; ) {
      stopIfClosing();
      const to = Math.min(from + span, last + 1);
      const series = await influx.query(`SELECT * FROM "${measurement}" WHERE time >= ${from}ms AND time < ${to}ms GROUP BY *`);
      for (const point of unlisted(measurement, series)) lines.push(encodePoint(point)); // no spread: a read may hold many
      if (lines.length >= linesPerWrite) await flush();
      const rows = series.reduce((sum, { values }) => sum + values.length, 0);
      span = rows > rowsPerRead ? Math.max(shortestSpanMs, Math.floor(span / 2)) : rows * 2 <= rowsPerRead ? Math.min(longestSpanMs, span * 2) : span;
      from = to;
    }
    await flush();
    total += points;
    if (points > 0) onProgress?.({ measurement, points });
  }
  return total;
}
