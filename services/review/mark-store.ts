import { randomBytes } from 'node:crypto';
import type { InfluxClient } from '../storage/influx-client.ts';
import { encodePoint } from '../storage/line-protocol.ts';
import { reviewRecordSchema, type ReviewRecord } from './mark-schema.ts';

/** The review history's measurement: one point per record, each its own series (tag `id`). */
export const reviewMarksMeasurement = 'review_marks';

export interface MarkStore {
  /** Appends a record; it is never overwritten, edited or deleted. */
  append(record: ReviewRecord): Promise<void>;
  /** The whole history, oldest first. */
  history(): Promise<ReviewRecord[]>;
}

export const newRecordId = (atMs: number): string => `m-${atMs.toString(36)}-${randomBytes(4).toString('hex')}`;

/** A stored record's JSON, or null: one row not JSON (written to InfluxDB by hand) must not take every review route down with it. */
function parseStored(value: unknown): unknown {
  try {
    return JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Review marks kept in InfluxDB beside the data they judge. Why there and not a file of the data
 * folder: every node of a cluster shares the database, so a mark taken by any node's API is read by
 * the leader's rollup engine with no leader hop; backfill and replay write raw measurements only and
 * the rollup schema migration deletes only the rollups it names, so neither touches the history.
 * Append-only by construction: each record is a series of its own (tag `id`, unique), so no later
 * write can overwrite it, and nothing in Wanxiang deletes from this measurement. The record itself
 * is stored as base64url JSON (a comment's quotes and backslashes stay out of line protocol).
 */
export function createMarkStore(influx: InfluxClient): MarkStore {
  return {
    async append(record) {
      const body = Buffer.from(JSON.stringify(record)).toString('base64url');
      await influx.write(encodePoint({
        measurement: reviewMarksMeasurement,
        tags: { id: record.id },
        fields: [['action', record.action, 'string'], ['record', body, 'string']],
        timeMs: record.atMs,
      }));
    },
    async history() {
      const series = await influx.query(`SELECT "record" FROM "${reviewMarksMeasurement}"`);
      const records: ReviewRecord[] = [];
      for (const { values } of series) {
        for (const row of values) {
          const parsed = reviewRecordSchema.safeParse(parseStored(row[1]));
          if (parsed.success) records.push(parsed.data);
        }
      }
      return records.sort((a, b) => a.atMs - b.atMs || a.id.localeCompare(b.id));
    },
  };
}
