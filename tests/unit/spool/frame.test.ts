import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../../../services/spool/crc32.ts';
import { encodeFrames, framedSize, framePayload, HEADER_BYTES, scanFrame } from '../../../services/spool/frame.ts';

describe('CRC32 and record frames', () => {
  it('computes the standard CRC-32 check value, with and without node:zlib', () => {
    const check = Buffer.from('123456789');
    expect(crc32Table(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Table(new Uint8Array())).toBe(0);
  });

  it('agrees with node:zlib on arbitrary bytes where zlib has crc32', () => {
    const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => crc32Table(bytes) === (native ? native(bytes) >>> 0 : crc32(bytes))));
  });

  it('frames any strings so that they scan back unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' })), (records) => {
        const buffer = encodeFrames(records);
        expect(buffer.length).toBe(framedSize(records));
        const back: string[] = [];
        for (let at = 0; at < buffer.length; ) {
          const scan = scanFrame(buffer, at);
          if (scan.kind !== 'record') throw new Error(scan.kind);
          back.push(framePayload(buffer, at, scan.end));
          at = scan.end;
        }
        expect(back).toEqual(records);
      }),
    );
  });

  it('tells a torn frame from a damaged one', () => {
    const frame = encodeFrames(['pm25_ugm3=35']);
    expect(scanFrame(frame.subarray(0, HEADER_BYTES - 1), 0).kind).toBe('torn');
    expect(scanFrame(frame.subarray(0, frame.length - 1), 0).kind).toBe('torn');
    const payload = Buffer.from(frame);
    payload[HEADER_BYTES + 2] = payload[HEADER_BYTES + 2]! ^ 1;
    expect(scanFrame(payload, 0)).toEqual({ kind: 'bad-payload', end: frame.length });
    const header = Buffer.from(frame);
    header[0] = header[0]! ^ 1;
    expect(scanFrame(header, 0).kind).toBe('bad-header');
  });
});
