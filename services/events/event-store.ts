import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.ts';
import type { InfluxClient, Series } from '../storage/influx-client.ts';
import { createInfluxWriter } from '../storage/influx-writer.ts';
import { createDurableOrder } from '../storage/durable-order.ts';
import { createJournalledWrites, rowOfPoint, withLeftovers } from '../storage/journalled-writes.ts';
import { createWriteJournal, type JournalEntry } from '../storage/write-journal.ts';
import { encodePoint, type Point } from '../storage/line-protocol.ts';
import { historyToRead, type HistoryToRead, type LifecycleMark } from './closed-horizon.ts';
import type { DistrictEvent, EventRecord } from './event-types.ts';
import { stageAt, type Stage } from './figures.ts';

/** The InfluxDB measurement of event records (the Grafana response-times dashboard reads it). */
export const eventsMeasurement = 'events';

export interface EventStore {
  /**
   * Journals the record (durable once persisted() resolves) and queues it for InfluxDB (writes retry
   * in the background). `whenKept` runs once the record is on disk or in InfluxDB, after those of
   * every earlier record (durable-order.ts); never for a record that cannot be encoded (not kept).
   */
  record(event: DistrictEvent, record: EventRecord, whenKept?: () => void): void;
  /** Resolves once every record so far is on disk; rejects with WX_ERR_HISTORY_NOT_DURABLE. */
  persisted(): Promise<void>;
  /**
   * Every event's records, in the order they were made; with `closedSinceMs`, of the events not
   * closed before it (closed-horizon.ts), reading no record older than the earliest of them.
   */
  restore(options?: { closedSinceMs?: number }): Promise<Map<string, EventRecord[]>>;
  drain(): Promise<void>;
  close(): Promise<void>;
}

const figureFields: Record<Stage, string> = { dispatch: 'dispatch_s', acknowledge: 'ack_s', resolve: 'resolve_s' };

/**
 * One point per record, append-only: tags family, street (`district` for a district-wide event),
 * department (once dispatched), kind, and a resolution's cause; fields event_id, the record itself (JSON in base64:
 * line protocol refuses the backslashes JSON escapes a note's line breaks with), and for the
 * figures (issue 23, item 6) the seconds the stage it finishes took, per cycle (figures.ts
 * stageAt, as the API and /metrics count them): dispatch_s (opened or reopened → first
 * dispatched), ack_s (latest dispatch → started), resolve_s (latest dispatch → resolved).
 * `event` is the event after `record`, its latest.
 */
export function eventPoint(event: DistrictEvent, record: EventRecord, timeMs: number): Point {
  const fields: Array<[string, number | string, 'float' | 'int' | 'string']> = [
    ['event_id', event.id, 'string'],
    ['record', Buffer.from(JSON.stringify(record), 'utf8').toString('base64'), 'string'],
  ];
  const time = stageAt(event.timeline, event.timeline.length - 1);
  if (time) fields.push([figureFields[time.stage], time.seconds, 'float']);
  const tags: Record<string, string> = { family: event.family, street: event.street ?? 'district', kind: record.kind };
  if (event.department) tags.department = event.department;
  // One of a fixed list (resolution-causes.ts): Grafana groups resolve_s by it.
  if (record.kind === 'resolved' && record.cause) tags.cause = record.cause;
  return { measurement: eventsMeasurement, tags, fields, timeMs };
}

function rowsOf(series: readonly Series[]): Array<Record<string, unknown>> {
  return series.flatMap((entry) => entry.values.map((values) => Object.fromEntries(entry.columns.map((column, i) => [column, values[i]]))));
}

/** The lifecycle's marks (opened, closed, reopened) of every event: a tag and a short field a point, never the records. */
async function lifecycleMarks(influx: InfluxClient, leftovers: readonly JournalEntry[]): Promise<LifecycleMark[]> {
  const kinds = ['opened', 'closed', 'reopened'];
  const stored = rowsOf(await influx.query(`SELECT "event_id", "kind" FROM "${eventsMeasurement}" WHERE ${kinds.map((kind) => `"kind" = '${kind}'`).join(' OR ')} ORDER BY time ASC`));
  const unwritten = leftovers.filter((entry) => kinds.includes(String(entry.row.kind)));
  return withLeftovers(stored, unwritten, (row) => String(Number(row.time))).map((row) => ({ time: Number(row.time), eventId: String(row.event_id), kind: String(row.kind) }));
}

/**
 * Event history in InfluxDB, beside the alarms it grew from: one backup, one retention, every
 * node of a cluster reads the same, and Grafana charts the figures straight from it. Records are
 * only ever appended; the events are rebuilt at start by replaying them through the state machine.
 */
export function createEventStore(deps: { influx: InfluxClient; metrics: Metrics; log: Logger; journalPath: string }): EventStore {
  // Strictly increasing point times: two records in one millisecond never overwrite each other.
  let lastTimeMs = -Infinity;
  // Each record on disk before it is answered (write-journal.ts): a resolution answered is kept.
  const journal = createWriteJournal({ path: deps.journalPath, log: deps.log });
  const kept = createDurableOrder({ persisted: () => journal.persisted(), log: deps.log });
  const writer = createInfluxWriter({
    client: deps.influx,
    concurrency: 1,
    metrics: deps.metrics,
    log: deps.log,
    onRejected: (batch, error) => deps.log.error({ code: error.code, line: batch[0]?.line.slice(0, 300) }, 'event record refused by InfluxDB'),
    keptBy: 'the event journal',
    onWritten: (batch) => kept.written(batch.map((entry) => entry.line)),
  });
  const history = createJournalledWrites(writer, journal);
  return {
    record(event, record, whenKept) {
      lastTimeMs = Math.max(record.atMs, lastTimeMs + 1);
      let point: Point;
      let line: string;
      try {
        point = eventPoint(event, record, lastTimeMs);
        line = encodePoint(point);
      } catch (error) {
        deps.log.error({ err: error, event: event.id }, 'event record cannot be encoded');
        return;
      }
      history.write({ line, row: rowOfPoint(point) });
      kept.track(line, whenKept);
    },
    persisted: () => journal.persisted(),
    async restore(options = {}) {
      // Records are one a point time (strictly increasing): the journal's that InfluxDB lacks join by time.
      const leftovers = await journal.leftovers();
      let toRead: HistoryToRead = { leftOut: new Set(), fromMs: -Infinity };
      if (options.closedSinceMs !== undefined) {
        const marks = await lifecycleMarks(deps.influx, leftovers);
        for (const mark of marks) lastTimeMs = Math.max(lastTimeMs, mark.time);
        toRead = historyToRead(marks, options.closedSinceMs);
      }
      const since = toRead.fromMs === -Infinity ? '' : ` WHERE time >= ${toRead.fromMs}ms`;
      const stored = toRead.fromMs === null ? [] : rowsOf(await deps.influx.query(`SELECT "event_id", "record" FROM "${eventsMeasurement}"${since} ORDER BY time ASC`));
      const rows = withLeftovers(stored, leftovers, (row) => String(Number(row.time)));
      history.rewrite(leftovers);
      const events = new Map<string, EventRecord[]>();
      let records = 0;
      for (const row of rows) {
        lastTimeMs = Math.max(lastTimeMs, Number(row.time));
        const id = String(row.event_id);
        if (toRead.leftOut.has(id)) continue;
        try {
          const record = JSON.parse(Buffer.from(String(row.record), 'base64').toString('utf8')) as EventRecord;
          // Pushed, not copied: a copy a record made replaying a long timeline quadratic.
          const held = events.get(id);
          if (held) held.push(record);
          else events.set(id, [record]);
          records += 1;
        } catch (error) {
          deps.log.error({ err: error, event: row.event_id }, 'event record unreadable; left out');
        }
      }
      deps.log.info({ events: events.size, records, closedLeftOut: toRead.leftOut.size, closedSinceMs: options.closedSinceMs ?? null }, 'event history read');
      return events;
    },
    drain: () => writer.drain(),
    async close() {
      const unwritten = await history.close();
      if (unwritten > 0) deps.log.warn({ records: unwritten, journal: deps.journalPath }, 'event records not yet in InfluxDB at shutdown: kept in the journal, written at the next start');
    },
  };
}
