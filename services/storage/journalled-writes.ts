import type { BatchQueue } from './influx-writer.ts';
import type { Point } from './line-protocol.ts';
import type { JournalEntry, WriteJournal } from './write-journal.ts';

/**
 * A history store's writes (alarm changes, event records): each journalled on disk and queued for
 * InfluxDB at once; when nothing queued is left unwritten, the journal is emptied. What the
 * journal held at start is written again (the same points: InfluxDB keeps one).
 */
export interface JournalledWrites {
  write(entry: JournalEntry): void;
  /** A previous run's leftovers, queued again. */
  rewrite(entries: readonly JournalEntry[]): void;
  /** Waits up to 5 s for the queue, stops it; returns how many changes are not yet in InfluxDB (the journal keeps them). */
  close(): Promise<number>;
}

export function createJournalledWrites(writer: BatchQueue, journal: WriteJournal): JournalledWrites {
  let unwritten = 0;
  const send = (entries: readonly JournalEntry[]) => {
    unwritten += entries.length;
    // Resolves once written; at shutdown it never does, and the journal keeps the entries.
    void writer.enqueue(entries.map((entry) => ({ line: entry.line }))).then(() => {
      unwritten -= entries.length;
      if (unwritten === 0) journal.allWritten();
    });
  };
  return {
    write(entry) {
      // A failed flush is said to whoever waits on persisted() (the API answers 503); the change is still queued.
      journal.append(entry).catch(() => undefined);
      send([entry]);
    },
    rewrite(entries) {
      if (entries.length > 0) send(entries);
    },
    async close() {
      await Promise.race([writer.drain(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await writer.close();
      await journal.close();
      return unwritten;
    },
  };
}

/** The row a query gives back for a point (time in epoch ms, as the client asks). */
export function rowOfPoint(point: Point): Record<string, unknown> {
  const row: Record<string, unknown> = { time: point.timeMs, ...point.tags };
  for (const [name, value] of point.fields) row[name] = value;
  return row;
}

/** InfluxDB's rows with the journal's that it does not hold yet (by `keyOf`), in time order. */
export function withLeftovers(stored: ReadonlyArray<Record<string, unknown>>, leftovers: readonly JournalEntry[], keyOf: (row: Readonly<Record<string, unknown>>) => string): Array<Record<string, unknown>> {
  if (leftovers.length === 0) return [...stored];
  const held = new Set(stored.map(keyOf));
  // One row a key, as InfluxDB keeps one point a series and time: a line the journal holds twice
  // (a flush the disk refused after writing it, written again with the next) is one change.
  const missing = leftovers.map((entry) => entry.row).filter((row) => {
    const key = keyOf(row);
    if (held.has(key)) return false;
    held.add(key);
    return true;
  });
  // A stable sort: rows of one time keep InfluxDB's order, then the journal's.
  return [...stored, ...missing].sort((a, b) => Number(a.time) - Number(b.time));
}
