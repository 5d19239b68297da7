import { describe, expect, it } from 'vitest';
import { createAppendBatcher } from '../../services/ingest/append-batcher.ts';

describe('records of one event-loop turn appended together', () => {
  it('makes one append of a turn, settles every caller with it, and starts a new one next turn', async () => {
    const appends: string[][] = [];
    let release!: () => void;
    const batcher = createAppendBatcher((records) => {
      appends.push([...records]);
      return new Promise<void>((resolve) => (release = resolve));
    });
    const settled: string[] = [];
    const first = ['a', 'b', 'c'].map((record) => batcher.add(record).then(() => void settled.push(record)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(appends).toEqual([['a', 'b', 'c']]);
    // Not durable yet: nobody may be acknowledged.
    await Promise.resolve();
    expect(settled).toEqual([]);
    const second = batcher.add('d');
    release();
    await Promise.all(first);
    expect(settled).toEqual(['a', 'b', 'c']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(appends).toEqual([['a', 'b', 'c'], ['d']]);
    release();
    await second;
  });

  it('rejects every caller of a failed append, and only them', async () => {
    let fail = true;
    const batcher = createAppendBatcher(async () => {
      if (fail) throw Object.assign(new Error('full'), { code: 'WX_ERR_SPOOL_FULL' });
    });
    const failed = [batcher.add('a'), batcher.add('b')];
    for (const promise of failed) await expect(promise).rejects.toMatchObject({ code: 'WX_ERR_SPOOL_FULL' });
    fail = false;
    await expect(batcher.add('c')).resolves.toBeUndefined();
  });
});
