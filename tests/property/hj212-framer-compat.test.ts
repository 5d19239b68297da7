import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFramer } from '../../services/hj212/framer.ts';
import { vectors } from '../fixtures/hj212-vectors.ts';

/**
 * The framer's compat cases (reference/hj212.md §2, §9.2) under any cutting of the stream: frames
 * without CR LF (a bare CR, or none before the next `##`) are found whole, and frames whose
 * length field lies are skipped without losing the frames after them.
 */
const texts = Object.values(vectors);
type Item = { readonly bytes: Buffer; readonly expect: Buffer | null; readonly junkAfter: boolean };
const item = fc.tuple(fc.constantFrom(...texts), fc.constantFrom('good', 'cr', 'none', 'long', 'short')).map(([text, kind]): Item => {
  switch (kind) {
    case 'cr': return { bytes: Buffer.from(`${text}\r`), expect: Buffer.from(`${text}\r`), junkAfter: false };
    case 'none': return { bytes: Buffer.from(text), expect: Buffer.from(text), junkAfter: false };
    case 'long': return { bytes: Buffer.from(`${text.replace(/^##\d{4}/, '##3000')}\r\n`), expect: null, junkAfter: true };
    case 'short': return { bytes: Buffer.from(`${text.replace(/^##\d{4}/, '##0010')}\r\n`), expect: null, junkAfter: true };
    default: return { bytes: Buffer.from(`${text}\r\n`), expect: Buffer.from(`${text}\r\n`), junkAfter: true };
  }
});
// Bytes a DTU puts between frames: anything but '#', CR and LF (a CR or LF after a tail-less frame would be its tail).
const garbage = fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes.filter((byte) => byte !== 0x23 && byte !== 0x0d && byte !== 0x0a)));

describe('HJ 212 framer, compat frames under any chunking', () => {
  it('finds every frame that has a true length, whatever its tail, and skips the lying ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(item, garbage), { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 30 }), (items, points) => {
        const stream = Buffer.concat(items.flatMap(([entry, junk]) => [entry.bytes, entry.junkAfter ? junk : Buffer.alloc(0)]));
        const cuts = [...new Set(points.map((point) => point % (stream.length + 1)))].sort((a, b) => a - b);
        const framer = createFramer({ maxSegmentBytes: 4_096 });
        const found: string[] = [];
        let previous = 0;
        for (const at of [...cuts, stream.length]) {
          for (const event of framer.push(stream.subarray(previous, at))) if (event.kind === 'frame') found.push(event.frame.raw.toString('utf8'));
          previous = at;
        }
        for (const event of framer.flush()) if (event.kind === 'frame') found.push(event.frame.raw.toString('utf8'));
        expect(found).toEqual(items.flatMap(([entry]) => (entry.expect ? [entry.expect.toString('utf8')] : [])));
      }),
      { numRuns: 400 },
    );
  });
});
