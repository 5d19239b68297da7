import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { withLeftovers } from '../../services/storage/journalled-writes.ts';
import { createWriteJournal } from '../../services/storage/write-journal.ts';

// The journal that keeps an operator's change on disk until InfluxDB has it (red team 7): real
// files, read back.

const dirs: string[] = [];
const folder = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wanxiang-journal-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const entry = (n: number) => ({ line: `alarms,rule=r value=${n} ${n}`, row: { time: n, value: n } });

describe('the write journal', () => {
  it('has each append on disk when it resolves, appends of one turn in one write', async () => {
    const path = join(await folder(), 'alarms', 'unwritten-changes.ndjson');
    const journal = createWriteJournal({ path, log: createLogger('silent') });
    const appended = [journal.append(entry(1)), journal.append(entry(2))];
    expect(appended[0]).toBe(appended[1]); // one flush for the turn
    await journal.persisted();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown)).toEqual([entry(1), entry(2)]);
    await journal.close();
  });

  it('is emptied once all is written, unless more came meanwhile', async () => {
    const path = join(await folder(), 'journal.ndjson');
    const journal = createWriteJournal({ path, log: createLogger('silent') });
    await journal.append(entry(1));
    await journal.allWritten();
    expect(await readFile(path, 'utf8')).toBe('');
    await journal.append(entry(2));
    const emptied = journal.allWritten();
    const later = journal.append(entry(3)); // not yet written when the word came: both stay
    await emptied;
    await later;
    expect(await readFile(path, 'utf8')).toBe(`${JSON.stringify(entry(2))}\n${JSON.stringify(entry(3))}\n`);
    await journal.close();
    // The next run: its leftovers, written, empty the file though this run appended nothing.
    const next = createWriteJournal({ path, log: createLogger('silent') });
    expect(await next.leftovers()).toEqual([entry(2), entry(3)]);
    await next.allWritten();
    expect(await readFile(path, 'utf8')).toBe('');
    await next.close();
  });

  it('gives back a run’s leftovers, a line torn by a crash left out without a word, a damaged one named', async () => {
    const path = join(await folder(), 'journal.ndjson');
    const lines: string[] = [];
    const log = createLogger('error', { write: (line: string) => void lines.push(line) });
    await writeFile(path, `${JSON.stringify(entry(1))}\n{"line":"damaged\n${JSON.stringify(entry(2))}\n{"line":"alarms va`);
    const journal = createWriteJournal({ path, log });
    expect(await journal.leftovers()).toEqual([entry(1), entry(2)]);
    expect(lines.join('')).toContain('journal line unreadable');
    expect(lines).toHaveLength(1);
    // The torn tail is cut: this run's first append is a line of its own, read whole by the next run.
    await journal.append(entry(3));
    await journal.close();
    expect(await createWriteJournal({ path, log: createLogger('silent') }).leftovers()).toEqual([entry(1), entry(2), entry(3)]);
    expect(await createWriteJournal({ path: join(await folder(), 'none.ndjson'), log }).leftovers()).toEqual([]);
  });

  it('refuses with WX_ERR_HISTORY_NOT_DURABLE when the disk does not take it, and says so', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'a-file'), '');
    const lines: string[] = [];
    const journal = createWriteJournal({ path: join(dir, 'a-file', 'journal.ndjson'), log: createLogger('error', { write: (line: string) => void lines.push(line) }) });
    await expect(journal.append(entry(1))).rejects.toMatchObject({ code: 'WX_ERR_HISTORY_NOT_DURABLE' });
    await expect(journal.persisted()).rejects.toMatchObject({ code: 'WX_ERR_HISTORY_NOT_DURABLE' });
    expect(lines.join('')).toContain('WX_ERR_HISTORY_NOT_DURABLE');
    // The disk mended (the file in the way gone, a folder in its place): the next append is kept,
    // and the refused one before it, which the next change may stand on (red team, events pass).
    await rm(join(dir, 'a-file'));
    await mkdir(join(dir, 'a-file'));
    await journal.append(entry(2));
    await journal.persisted();
    expect(await readFile(join(dir, 'a-file', 'journal.ndjson'), 'utf8')).toBe(`\n${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n`);
    await journal.close();
    expect(await createWriteJournal({ path: join(dir, 'a-file', 'journal.ndjson'), log: createLogger('silent') }).leftovers()).toEqual([entry(1), entry(2)]);
  });

  it('writes a refused change at shutdown when no change came after it', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'a-file'), '');
    const journal = createWriteJournal({ path: join(dir, 'a-file', 'journal.ndjson'), log: createLogger('silent') });
    await expect(journal.append(entry(1))).rejects.toMatchObject({ code: 'WX_ERR_HISTORY_NOT_DURABLE' });
    await rm(join(dir, 'a-file'));
    await mkdir(join(dir, 'a-file'));
    await journal.close();
    expect(await createWriteJournal({ path: join(dir, 'a-file', 'journal.ndjson'), log: createLogger('silent') }).leftovers()).toEqual([entry(1)]);
  });

  it('folds a line the journal holds twice (written, refused, written again) into one row', () => {
    const stored = [{ time: 1, value: 1 }];
    expect(withLeftovers(stored, [entry(1), entry(2), entry(2), entry(3)], (row) => String(row.time))).toEqual([entry(1).row, entry(2).row, entry(3).row]);
  });
});
