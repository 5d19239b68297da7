import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isWanxiangError } from '../../services/errors.ts';
import { createInfluxClient, type Series } from '../../services/storage/influx-client.ts';
import { encodePoint, type Point } from '../../services/storage/line-protocol.ts';
import { seeds, specialChars } from './support/hostile.ts';
import { readBody, type LinePoint } from './support/influx-line-reader.ts';

// The line reader the escaping properties rely on, held to the real influxd of the test setup:
// for points full of line-protocol hazards, what the reader says InfluxDB stores (or refuses)
// is what InfluxDB stores (or refuses). If this fails, the reader is wrong, not encodePoint.

const url = inject('influxUrl');
const databases: string[] = [];
const probe = 'wx_probe value=1i 1';

afterAll(async () => {
  const admin = createInfluxClient({ url, database: 'unused' });
  for (const database of databases) await admin.query(`DROP DATABASE "${database}"`, { database: null });
});

/** What influxd holds after a write: one entry per series, fields by name. */
async function stored(database: string, body: string, expected: number): Promise<{ written: boolean; series: Series[] }> {
  const client = createInfluxClient({ url, database });
  await client.query(`CREATE DATABASE "${database}"`, { database: null });
  databases.push(database);
  let written = true;
  try {
    await client.write(body);
  } catch (error) {
    // 400: InfluxDB 1.x still writes the lines it could read. A 400 whose error header echoes a
    // control character reaches us as a network error (see the failing test below).
    if (!isWanxiangError(error) || (error.code !== 'WX_ERR_INFLUX_REJECTED' && !garbledHeader(error))) throw error;
    written = false;
  }
  // After a 400 the lines InfluxDB could take may still be on their way to their shards (1.x
  // answers as soon as one shard fails), and there is no event to wait for: poll a little.
  let series = await client.query('SELECT * FROM /.*/ GROUP BY *');
  for (let tries = 0; !written && series.length < expected && tries < 40; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    series = await client.query('SELECT * FROM /.*/ GROUP BY *');
  }
  return { written, series };
}

/** The HTTP parser's refusal of a response header, somewhere in an error's causes. */
function garbledHeader(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if ((cause as { code?: unknown }).code === 'HPE_INVALID_HEADER_TOKEN') return true;
  return false;
}

function matches(point: LinePoint, series: Series): boolean {
  if (series.name !== point.measurement) return false;
  const tags = Object.entries(series.tags ?? {}).filter(([, value]) => value !== '');
  if (tags.length !== point.tags.length || !point.tags.every(([key, value]) => series.tags?.[key] === value)) return false;
  const [row] = series.values;
  if (series.values.length !== 1 || row === undefined || row[0] !== Number(point.timestamp)) return false;
  // SELECT * across measurements lists every measurement's fields; this series' own are not null
  const columns = new Map(series.columns.map((column, i) => [column, row[i]] as const).filter(([, value]) => value !== null));
  if (columns.size !== point.fields.length + 1) return false;
  return point.fields.every(([key, value]) => columns.get(key) === (value.type === 'int' ? Number(value.value) : value.value));
}

// Hazards everywhere; a first field key starting with a tab or NUL is left out because
// InfluxQL answers an empty field name as column `val0`, which the comparison cannot tell apart.
const name = fc.string({ unit: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...specialChars.filter((c) => c !== '\n' && c !== '\r'), '\ud800') }, { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'time') }), minLength: 1, maxLength: 6 });
const pointArb: fc.Arbitrary<Point> = fc
  .record({
    measurement: name,
    tags: fc.dictionary(name, name, { maxKeys: 3 }),
    fields: fc.uniqueArray(fc.tuple(name, fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => [value, 'float'] as const), fc.maxSafeInteger().map((value) => [value, 'int'] as const), name.map((value) => [value, 'string'] as const))), { selector: ([key]) => key, minLength: 1, maxLength: 3 }),
    timeMs: fc.oneof(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.constantFrom(9_223_372_036_854, 9_223_372_036_855, -9_223_372_036_855)),
  })
  .filter((point) => !/^[\t\0]/.test(point.fields[0]![0]) && point.fields.every(([key]) => !Object.hasOwn(point.tags, key)))
  .map((point) => ({ ...point, fields: point.fields.map(([key, [value, type]]) => [key, value, type] as const) }));

describe('the line reader against influxd', () => {
  it('says what influxd stores and refuses', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(pointArb, async (point) => {
        let line: string;
        try {
          line = encodePoint(point);
        } catch {
          return; // refused before it reaches the database: nothing to compare
        }
        const body = `${line}\n${probe}`;
        const read = readBody(body);
        const { written, series } = await stored(`wx_prop_lp_${process.pid}_${run++}`, body, read.filter((result) => result.ok).length);
        const says = `body ${JSON.stringify(body)}: reader ${JSON.stringify(read, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}` : value))}, influxd ${written ? 204 : 400} ${JSON.stringify(series)}`;
        expect(written, says).toBe(read.every((result) => result.ok || result.lost));
        const points = read.flatMap((result) => (result.ok ? [result.point] : []));
        expect(series.length, says).toBe(points.length);
        for (const point of points) expect(series.some((one) => matches(point, one)), says).toBe(true);
      }),
      {
        seed: seeds.influxd,
        numRuns: 40,
        examples: [
          [{ measurement: 'm', tags: { t: 'x' }, fields: [['a\\,b', 1, 'float']], timeMs: 0 }],
          [{ measurement: 'a\\=b', tags: { t: 'x' }, fields: [['a\\"b', 1, 'float']], timeMs: 0 }],
          [{ measurement: '#m', tags: { t: 'x' }, fields: [['f', 1, 'float']], timeMs: 0 }],
          [{ measurement: '\tm', tags: { t: '\ud800x' }, fields: [['f', 1, 'float']], timeMs: 0 }],
          [{ measurement: 'm', tags: { t: '\\ \\="' }, fields: [['f', 1, 'float']], timeMs: 0 }],
          [{ measurement: 'm', tags: { time: 'x' }, fields: [['f', 'a\\"b', 'string']], timeMs: 9_223_372_036_855 }],
          [{ measurement: 'time', tags: { '+': '😀 ' }, fields: [['time', -5_719_180_032_358_365, 'int']], timeMs: 9_223_372_036_854 }],
          [{ measurement: 'm', tags: { t: 'x' }, fields: [['time', 1, 'int'], ['g', 2, 'float']], timeMs: 0 }],
          [{ measurement: '\\,', tags: {}, fields: [[',', 0, 'float']], timeMs: 0 }],
          [{ measurement: 'a\\ b', tags: { t: 'x' }, fields: [['f', 0, 'float']], timeMs: 0 }],
        ],
      },
    );
  });

  // Found by this property, now fixed (storage/influx-client.ts, write): InfluxDB 1.x echoes the line it cannot parse in the
  // X-Influxdb-Error header of its 400 answer. When that line holds a control character
  // (here a NUL), Node's HTTP parser refuses the header (HPE_INVALID_HEADER_TOKEN), fetch fails,
  // and the client reports WX_ERR_INFLUX_UNAVAILABLE, retryable: the writer then retries the
  // poisoned batch for ever instead of bisecting it and quarantining the line, and the batch
  // holds a write slot. No line built from a device's reading holds a control character today
  // (registry tags, numeric fields). Suggested fix: refuse control characters in encodePoint,
  // and/or treat an HPE_* parse failure of an answer as a non-retryable refusal.
  it('reports a line influxd refuses as refused, whatever characters the line holds', async () => {
    const database = `wx_prop_lp_${process.pid}_nul`;
    const client = createInfluxClient({ url, database });
    await client.query(`CREATE DATABASE "${database}"`, { database: null });
    databases.push(database);
    // encodePoint now refuses a NUL; a line built by hand proves the client's side of the fix.
    const line = 'm,t=x f\u0000=1 9223372036855';
    await expect(client.write(line)).rejects.toMatchObject({ code: 'WX_ERR_INFLUX_REJECTED', retryable: false });
  });
});
