import type { Logger } from 'pino';
import { isFamilyId } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { InfluxClient, Series } from '../storage/influx-client.ts';
import { createInfluxWriter } from '../storage/influx-writer.ts';
import { createDurableOrder } from '../storage/durable-order.ts';
import { createJournalledWrites, rowOfPoint, withLeftovers } from '../storage/journalled-writes.ts';
import { createWriteJournal } from '../storage/write-journal.ts';
import { encodePoint, type Point } from '../storage/line-protocol.ts';
import type { Alarm, AlarmChange, AlarmSeverity, AlarmState } from './alarm-types.ts';

/** The InfluxDB measurement of alarm history (the Grafana alarm dashboard reads it). */
export const alarmsMeasurement = 'alarms';

/** An alarm as history holds it: everything but the texts, which come from the rule. */
export type StoredAlarm = Omit<Alarm, 'textZh' | 'textEn'>;

export interface AlarmStore {
  /**
   * Journals the change (durable once persisted() resolves) and queues it for InfluxDB (writes retry
   * in the background). `whenKept` runs once the change is on disk or in InfluxDB, after those of
   * every earlier change (durable-order.ts); never for a change that cannot be encoded (not kept).
   */
  record(change: AlarmChange, whenKept?: () => void): void;
  /** Resolves once every change recorded so far is on disk; rejects with WX_ERR_HISTORY_NOT_DURABLE. */
  persisted(): Promise<void>;
  /** Every alarm the history holds, folded from its changes in time order. */
  restore(): Promise<StoredAlarm[]>;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One point per change: tags rule, device, family, severity; fields alarm_id, state, change,
 * value and limit (when known), open (1 while open or acknowledged), and by/note for an
 * operator's acknowledgement or closing. Time is the change's time, kept strictly increasing
 * per series so that two changes in one millisecond do not overwrite each other.
 */
export function alarmPoint(change: AlarmChange, timeMs: number): Point {
  const { alarm, kind } = change;
  const fields: Array<[string, number | string, 'float' | 'int' | 'string']> = [
    ['alarm_id', alarm.id, 'string'], ['state', alarm.state, 'string'], ['change', kind, 'string'], ['open', alarm.state === 'closed' ? 0 : 1, 'int'],
  ];
  if (alarm.value !== null) fields.push(['value', alarm.value, 'float']);
  if (alarm.limit !== null) fields.push(['limit', alarm.limit, 'float']);
  const note = alarm.notes.at(-1);
  if (note && note.atMs === alarm.updatedAtMs && (kind === 'acknowledged' || kind === 'closed')) fields.push(['by', note.by, 'string'], ['note', note.text.replace(/[\r\n]+/g, ' '), 'string']);
  return { measurement: alarmsMeasurement, tags: { rule: alarm.ruleId, device: alarm.deviceId, family: alarm.family, severity: alarm.severity }, fields, timeMs };
}

type Row = Record<string, unknown>;

function rowsOf(series: readonly Series[]): Row[] {
  return series.flatMap((entry) => entry.values.map((values) => Object.fromEntries(entry.columns.map((column, i) => [column, values[i]]))));
}

const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);

/** Applies one stored change to the alarm it belongs to (a new one for `opened`). */
function fold(alarms: Map<string, StoredAlarm>, row: Row): void {
  const id = String(row.alarm_id);
  const at = Number(row.time);
  const change = String(row.change);
  const previous = alarms.get(id);
  const family = String(row.family);
  if (!previous && (change !== 'opened' || !isFamilyId(family))) return;
  const base: StoredAlarm = previous ?? {
    id, ruleId: String(row.rule), family: family as StoredAlarm['family'], deviceId: String(row.device), severity: String(row.severity) as AlarmSeverity,
    state: 'open', value: null, limit: null, openedAtMs: at, updatedAtMs: at, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [],
  };
  const note = typeof row.note === 'string' && typeof row.by === 'string' ? [{ atMs: at, by: row.by, text: row.note }] : [];
  alarms.set(id, {
    ...base,
    state: String(row.state) as AlarmState,
    value: numberOrNull(row.value) ?? base.value,
    limit: numberOrNull(row.limit) ?? base.limit,
    updatedAtMs: at,
    acknowledgedAtMs: change === 'acknowledged' ? at : base.acknowledgedAtMs,
    acknowledgedBy: change === 'acknowledged' ? (note[0]?.by ?? null) : base.acknowledgedBy,
    closedAtMs: change === 'closed' ? at : base.closedAtMs,
    notes: [...base.notes, ...note],
  });
}

/** An alarm series (rule and device): its points' times are kept strictly increasing. */
const seriesKey = (rule: string, device: string) => `${rule}\u0000${device}`;
const seriesOf = (row: Readonly<Row>) => seriesKey(String(row.rule), String(row.device));

/**
 * Alarm history in InfluxDB through the platform's writer (retries with backoff, poisoned lines
 * logged), each change journalled on disk first (write-journal.ts): an acknowledgement answered is
 * one a crash or an absent InfluxDB cannot take back.
 */
export function createAlarmStore(deps: { influx: InfluxClient; metrics: Metrics; log: Logger; journalPath: string }): AlarmStore {
  const lastTime = new Map<string, number>();
  const journal = createWriteJournal({ path: deps.journalPath, log: deps.log });
  const kept = createDurableOrder({ persisted: () => journal.persisted(), log: deps.log });
  const writer = createInfluxWriter({
    client: deps.influx,
    concurrency: 1,
    metrics: deps.metrics,
    log: deps.log,
    onRejected: (batch, error) => deps.log.error({ code: error.code, line: batch[0]?.line.slice(0, 300) }, 'alarm change refused by InfluxDB'),
    keptBy: 'the alarm journal',
    onWritten: (batch) => kept.written(batch.map((entry) => entry.line)),
  });
  const history = createJournalledWrites(writer, journal);
  return {
    record(change, whenKept) {
      const series = seriesKey(change.alarm.ruleId, change.alarm.deviceId);
      const timeMs = Math.max(change.alarm.updatedAtMs, (lastTime.get(series) ?? -Infinity) + 1);
      lastTime.set(series, timeMs);
      let point: Point;
      let line: string;
      try {
        point = alarmPoint(change, timeMs);
        line = encodePoint(point);
      } catch (error) {
        deps.log.error({ err: error, alarm: change.alarm.id }, 'alarm change cannot be encoded');
        return;
      }
      history.write({ line, row: rowOfPoint(point) });
      kept.track(line, whenKept);
    },
    persisted: () => journal.persisted(),
    async restore() {
      // The whole history: a district has thousands of alarm changes a year, not millions, and an
      // alarm opened long ago may still be open. With it, what the journal holds that InfluxDB does not yet.
      const leftovers = await journal.leftovers();
      const stored = rowsOf(await deps.influx.query(`SELECT * FROM "${alarmsMeasurement}" ORDER BY time ASC`));
      const rows = withLeftovers(stored, leftovers, (row) => `${seriesOf(row)}\u0000${Number(row.time)}`);
      history.rewrite(leftovers);
      const alarms = new Map<string, StoredAlarm>();
      for (const row of rows) fold(alarms, row);
      for (const row of rows) {
        const series = seriesOf(row);
        lastTime.set(series, Math.max(lastTime.get(series) ?? -Infinity, Number(row.time)));
      }
      return [...alarms.values()];
    },
    drain: () => writer.drain(),
    async close() {
      const unwritten = await history.close();
      if (unwritten > 0) deps.log.warn({ changes: unwritten, journal: deps.journalPath }, 'alarm changes not yet in InfluxDB at shutdown: kept in the journal, written at the next start');
    },
  };
}
