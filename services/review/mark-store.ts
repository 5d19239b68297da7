import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
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

/** A row of the history that is not a record (written by hand, or by a later version): left out, but told. */
export interface UnreadableRecord {
  readonly id: string | undefined;
  readonly time: unknown;
  readonly reason: string;
}

/**
 * Tells of unreadable history rows: each named once in a warn line, their number at each read in
 * `count` (the platform's gauge). Nothing hidden: a row left out of the figures is never silent.
 */
export function tellUnreadableRecords(log: Pick<Logger, 'warn'>, count: (rows: number) => void = () => undefined): (rows: ReadonlyArray<UnreadableRecord>) => void {
  const named = new Set<string>();
  return (rows) => {
    count(rows.length);
    for (const row of rows) {
      const key = `${row.id}@${String(row.time)}`;
      if (named.has(key)) continue;
      named.add(key);
      log.warn({ code: 'WX_ERR_REVIEW_RECORD_UNREADABLE', id: row.id, time: row.time, reason: row.reason }, 'a review history row is not a valid record: left out of every figure');
    }
  };
}

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
export function createMarkStore(influx: InfluxClient, onUnreadable: (rows: ReadonlyArray<UnreadableRecord>) => void = () => undefined): MarkStore {
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
      const series = await influx.query(`SELECT "record" FROM "${reviewMarksMeasurement}" GROUP BY "id"`);
      const records: ReviewRecord[] = [];
      const unreadable: UnreadableRecord[] = [];
      for (const { values, tags } of series) {
        for (const row of values) {
          const parsed = reviewRecordSchema.safeParse(parseStored(row[1]));
          if (parsed.success) records.push(parsed.data);
          else unreadable.push({ id: tags?.id, time: row[0], reason: parsed.error.issues[0]?.message ?? 'not a record' });
        }
      }
      onUnreadable(unreadable);
      return records.sort((a, b) => a.atMs - b.atMs || a.id.localeCompare(b.id));
    },
  };
}
