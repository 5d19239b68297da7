import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { staleTombstones } from '../../services/rollups/stale-points.ts';
import { createInfluxClient, type InfluxClient } from '../../services/storage/influx-client.ts';
import { encodePoint, type Point } from '../../services/storage/line-protocol.ts';

// The sweep of one span against a real influxd (services/rollups/stale-points.ts): what it takes for
// stale, what it leaves, and that the times it reads come in slices of about rowsPerRead rows.
const hourMs = 3_600_000;
const dayStart = Date.parse('2025-05-06T00:00:00+08:00');
const span = { measurement: 'sweep_hourly', fromMs: dayStart, toMs: dayStart + 24 * hourMs };
const point = (tags: Record<string, string>, timeMs: number, list = 'value'): Point =>
  ({ measurement: span.measurement, tags, fields: [['value', 1, 'float'], ['fields_present', list, 'string']], timeMs });

describe('the stale-point sweep of a span', () => {
  let influx: InfluxClient;
  const queries: string[] = [];

  beforeAll(async () => {
    const client = createInfluxClient({ url: inject('influxUrl'), database: `sweep_${process.pid}_${Date.now()}` });
    await client.ensureDatabase('INF');
    influx = { ...client, query: (text, options) => (queries.push(text), client.query(text, options)) };
  });
  afterAll(async () => {
    await influx?.query(`DROP DATABASE "${influx.database}"`, { database: null });
  });

  it('tombstones the stored points the recomputation no longer yields, none of its own, no tombstone twice, none beyond the span', async () => {
    const hours = Array.from({ length: 24 }, (_, h) => dayStart + h * hourMs);
    // Twelve places without a device tag: the sweep reads the span's times in slices, not by device.
    const places = Array.from({ length: 12 }, (_, i) => ({ district: `d${i}` }));
    const stored = [
      ...places.flatMap((tags) => hours.map((time) => point(tags, time))),
      point({ district: 'gone' }, hours[3]!), // a series the recomputation no longer yields at all
      point({ district: 'gone' }, hours[4]!, ''), // already a tombstone
      point({ district: 'd0' }, span.toMs), // the next window's
      { measurement: span.measurement, tags: { district: 'd1' }, fields: [['value', 1, 'float']], timeMs: hours[5]! + 1 } as Point, // no list at all
    ];
    await influx.write(stored.map(encodePoint).join('\n'));
    // The recomputation yields every place's hours but d0's 07:00, and d1 under a tag it had not before.
    const written = [
      ...places.flatMap((tags) => hours.filter((time) => !(tags.district === 'd0' && time === hours[7])).map((time) => point(tags, time))),
      point({ district: 'd1', river: 'new' }, hours[2]!),
    ];
    await influx.write(written.map(encodePoint).join('\n'));

    queries.length = 0;
    const tombstones = await staleTombstones(influx, span, written, { rowsPerRead: 100 });
    expect(tombstones.map((tombstone) => [tombstone.tags, tombstone.timeMs, tombstone.fields]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      [{ district: 'gone' }, hours[3], [['fields_present', '', 'string']]],
      [{ district: 'd0' }, hours[7], [['fields_present', '', 'string']]],
    ]);
    // One count, then the times in slices: 12 × 24 + 1 live rows, about 100 a read.
    expect(queries[0]).toMatch(/^SELECT count\("fields_present"\)/);
    expect(queries.slice(1).every((query) => query.startsWith('SELECT "fields_present"'))).toBe(true);
    expect(queries.length - 1).toBe(Math.ceil((12 * 24 + 1 + 1) / 100));

    // Written, they are read as tombstones: the next sweep finds nothing and reads no times.
    await influx.write(tombstones.map(encodePoint).join('\n'));
    queries.length = 0;
    expect(await staleTombstones(influx, span, written, { rowsPerRead: 100 })).toEqual([]);
    expect(queries).toHaveLength(1);
  });
});
