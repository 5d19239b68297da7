import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFramer } from '../../services/hj212/framer.ts';
import { vectors } from '../fixtures/hj212-vectors.ts';

const frames = Object.values(vectors).map((text) => Buffer.from(`${text}\r\n`, 'utf8'));
// Bytes a DTU puts between frames (registration strings, heartbeats): anything but '#'.
const garbage = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes.filter((byte) => byte !== 0x23)));

/** Cuts a buffer at the given (sorted, deduplicated) points. */
function cut(stream: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((point) => point % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of [...at, stream.length]) {
    chunks.push(stream.subarray(previous, point));
    previous = point;
  }
  return chunks;
}

describe('HJ 212 framer, any chunking of the stream', () => {
  it('finds the same frames, byte for byte, however TCP cuts the stream and whatever lies between frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...frames), garbage), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (items, points) => {
          const stream = Buffer.concat(items.flatMap(([frame, junk]) => [junk, frame]));
          const framer = createFramer({ maxSegmentBytes: 9999 });
          const found: Buffer[] = [];
          for (const chunk of cut(stream, points)) for (const event of framer.push(chunk)) if (event.kind === 'frame') found.push(event.frame.raw);
          expect(found.map((frame) => frame.toString('utf8'))).toEqual(items.map(([frame]) => frame.toString('utf8')));
          expect(framer.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
