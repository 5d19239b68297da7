import { mkdir, open, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { WanxiangError } from '../errors.ts';

/** One change as InfluxDB will hold it: its line, and the row a query would give back. */
export interface JournalEntry {
  readonly line: string;
  readonly row: Readonly<Record<string, unknown>>;
}

export interface WriteJournal {
  /** Entries a run left unwritten (a crash, a stop while InfluxDB was away); read once, at start. */
  leftovers(): Promise<JournalEntry[]>;
  /** Resolves once the entry is on disk (fdatasync); rejects with WX_ERR_HISTORY_NOT_DURABLE. */
  append(entry: JournalEntry): Promise<void>;
  /** Resolves once every entry appended so far is on disk (or rejects as its append did). */
  persisted(): Promise<void>;
  /**
   * Says that every entry appended so far is in InfluxDB: the journal is emptied, unless more was
   * appended meanwhile (then at the next word). Resolves once done; never rejects.
   */
  allWritten(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The operators' and officers' changes (an alarm acknowledged, an event resolved) are kept in
 * InfluxDB, written in the background with retries. Between the answer and that write they lived
 * only in memory: a crash, or a stop while InfluxDB was away, lost an acknowledgement answered 200
 * (red team 7). Each change is now appended here, flushed to disk, before it is answered, and the
 * journal is emptied whenever all it holds is written; what a run leaves is folded into the
 * history at the next start and written then (InfluxDB keeps one point per series and time, so a
 * change written twice is one change). Appends in one turn share one write and one fdatasync.
 */
export function createWriteJournal(options: { path: string; log: Logger }): WriteJournal {
  let handle: FileHandle | undefined;
  let opening: Promise<FileHandle> | undefined;
  // One chain of file operations: appends, flushes and truncations never interleave.
  let tail: Promise<void> = Promise.resolve();
  let gathering: { texts: string[]; done: Promise<void> } | null = null;
  let last: Promise<void> = Promise.resolve();
  // Entries appended since the last word that all is written: the journal is emptied only at none.
  let appendedSince = 0;
  // Lines a failed flush did not get on disk. They stay in memory, and the next change builds on
  // them: each later flush writes them first, so a change answered as on disk never stands on one
  // that is not (red team, events pass: a refused resolution, then a close the mended disk took,
  // left the close alone in the journal; the event did not replay at the next start, and was gone).
  let refused: string[] = [];

  const fileOf = () =>
    (opening ??= (async () => {
      await mkdir(dirname(options.path), { recursive: true });
      handle = await open(options.path, 'a', 0o600);
      return handle;
    })().catch((error: unknown) => {
      opening = undefined; // the next append tries to open it again
      throw error;
    }));

  /** Writes the refused lines, then `texts`, and flushes them to disk; what fails is kept for the next flush. */
  const flush = async (texts: readonly string[]) => {
    const lines = [...refused, ...texts];
    // A failed write may have left part of a line: a line break first ends it (leftovers() skips an empty line).
    const text = `${refused.length > 0 ? '\n' : ''}${lines.join('')}`;
    refused = [];
    try {
      const file = await fileOf();
      await file.write(text);
      await file.datasync();
    } catch (error) {
      refused = lines;
      throw error;
    }
  };

  const notDurable = (error: unknown) => new WanxiangError('WX_ERR_HISTORY_NOT_DURABLE', `the change could not be written to ${options.path}: ${(error as Error).message}`, { value: options.path, cause: error });

  return {
    async leftovers() {
      let text: string;
      try {
        const reading = await open(options.path, 'r');
        try {
          text = await reading.readFile('utf8');
        } finally {
          await reading.close();
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        // Changes answered as done may be in it: the start stops here rather than go on without them.
        throw new WanxiangError('WX_ERR_HISTORY_NOT_DURABLE', `the journal ${options.path} cannot be read: ${(error as Error).message}`, { value: options.path, cause: error });
      }
      // A line a crash tore (its flush never returned, so it was never answered) is cut off, or the
      // next run's first append would be glued to it and both read as one damaged line.
      const whole = text.lastIndexOf('\n') + 1;
      if (whole < text.length) await truncate(options.path, Buffer.byteLength(text.slice(0, whole)));
      const entries: JournalEntry[] = [];
      const lines = text.slice(0, whole).split('\n');
      lines.forEach((line, index) => {
        if (line === '') return;
        try {
          const entry = JSON.parse(line) as JournalEntry;
          if (typeof entry.line === 'string' && typeof entry.row === 'object' && entry.row !== null) return void entries.push(entry);
        } catch {
          // below
        }
        options.log.error({ code: 'WX_ERR_HISTORY_NOT_DURABLE', path: options.path, line: index + 1 }, 'journal line unreadable; left out');
      });
      appendedSince += entries.length;
      return entries;
    },
    append(entry) {
      appendedSince += 1;
      if (gathering === null) {
        const texts: string[] = [];
        const done = (tail = tail.then(async () => {
          if (gathering?.texts === texts) gathering = null;
          await flush(texts);
        }).catch((error: unknown) => {
          const refusal = notDurable(error);
          options.log.error({ code: refusal.code, err: error, path: options.path, changes: texts.length }, 'changes not written to the journal: a crash before InfluxDB has them would lose them');
          throw refusal;
        }));
        // The chain goes on after a failed flush: the next append tries again.
        tail = done.catch(() => undefined);
        gathering = { texts, done };
      }
      gathering.texts.push(`${JSON.stringify(entry)}\n`);
      last = gathering.done;
      return gathering.done;
    },
    persisted: () => last,
    allWritten() {
      appendedSince = 0;
      tail = tail.then(async () => {
        // Appended while this waited: still to be written, so the file stays as it is.
        if (appendedSince > 0 || gathering !== null) return;
        refused = []; // appended before this word: InfluxDB has them
        const file = await fileOf(); // a run's leftovers, written, with nothing appended since
        await file.truncate(0);
        await file.datasync();
      }).catch((error: unknown) => options.log.warn({ err: error, path: options.path }, 'journal not emptied; its entries are written again at the next start'));
      return tail;
    },
    async close() {
      await tail;
      // Refused lines with no change after them: one more try, so that the next start has them.
      if (refused.length > 0) {
        const lines = refused.length;
        await flush([]).catch((error: unknown) => options.log.error({ code: 'WX_ERR_HISTORY_NOT_DURABLE', err: error, path: options.path, changes: lines }, 'changes refused by the disk are not in the journal at shutdown: those InfluxDB lacks are lost'));
      }
      await handle?.close();
    },
  };
}
