import { describe, expect, it } from 'vitest';
import { decodeRecord, decodeRecordBlock, encodeRecord } from '../../services/ingest/spool-record.ts';
import { readingsIn, splitBlock, type BatchEntry } from '../../services/storage/batch-entry.ts';

const entry = (i: number): BatchEntry => ({ family: 'air', device: 'd1', hour: 3_600_000, line: `air,device=d1 pm25=${i} ${i}` });

describe('spool records as the drainer reads them', () => {
  it('passes a record of one family, device and hour through as one block holding the same lines', () => {
    const record = encodeRecord(Array.from({ length: 7 }, (_, i) => entry(i)));
    const lines: BatchEntry[] = [];
    const blocks: BatchEntry[] = [];
    expect(decodeRecord(record, lines)).toBe(7);
    expect(decodeRecordBlock(record, blocks, 5_000)).toBe(7);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ family: 'air', device: 'd1', hour: 3_600_000, readings: 7 });
    expect(readingsIn(blocks)).toBe(7);
    expect(splitBlock(blocks[0]!)).toEqual(lines);
    expect(blocks[0]!.line).toBe(lines.map((one) => one.line).join('\n'));
  });

  it('splits a record line by line when it holds more lines than a write may', () => {
    const out: BatchEntry[] = [];
    expect(decodeRecordBlock(encodeRecord(Array.from({ length: 12 }, (_, i) => entry(i))), out, 10)).toBe(12);
    expect(out).toHaveLength(12);
    expect(readingsIn(out)).toBe(12);
  });

  it('reads a single reading and the older JSON form as before', () => {
    const out: BatchEntry[] = [];
    expect(decodeRecordBlock(encodeRecord([entry(1)]), out, 5_000)).toBe(1);
    const mixed = [entry(2), { ...entry(3), device: 'd2' }];
    expect(decodeRecordBlock(encodeRecord(mixed), out, 5_000)).toBe(2);
    expect(out.map((one) => one.line)).toEqual([entry(1).line, entry(2).line, entry(3).line]);
    expect(readingsIn(out)).toBe(3);
  });
});
