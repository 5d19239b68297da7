import { describe, expect, it } from 'vitest';
import { createFramer, type FramerEvent } from '../../../services/hj212/framer.ts';
import { vectors } from '../../fixtures/hj212-vectors.ts';

const mib = 1_048_576;
/** `pattern` repeated to one MiB, pushed in 64 KiB chunks as TCP hands them over; the events and the bytes the framer looked at. */
function feed(pattern: string, maxSegmentBytes = 4_096, chunkBytes = 65_536) {
  const framer = createFramer({ maxSegmentBytes });
  const stream = Buffer.from(pattern.repeat(Math.ceil(mib / pattern.length)));
  const events: FramerEvent[] = [];
  for (let at = 0; at < stream.length; at += chunkBytes) events.push(...framer.push(stream.subarray(at, at + chunkBytes)));
  return { framer, events, bytes: stream.length };
}

/**
 * Red team: a stream of `##0001` cost ~305 ms of CPU a MiB against 5 ms for garbage, because
 * each `##` searched the whole buffer for a line end and the next `##`. The work is counted in
 * bytes looked at (framer.scannedBytes), not timed: it must stay a small multiple of the stream.
 */
describe('HJ 212 framer: the work a stream costs is linear in its bytes', () => {
  it.each([
    ['garbage without `#`', 'DTU heartbeat '],
    ['`##0001` repeated (a candidate every 6 bytes, no line end)', '##0001'],
    ['`##4096` repeated (the largest window the cap allows)', '##4096'],
    ['`##4096` and a CR', '##4096\r'],
    ['`##4096` and an LF (a line end before every declared tail)', '##4096\n'],
    ['`#` repeated', '#'],
    ['frames whose length lies by one', `${vectors.tv5NoiseRtd.replace('##0122', '##0123')}\r\n`],
  ])('%s: each byte looked at at most 3 times', (_, pattern) => {
    const { framer, bytes } = feed(pattern);
    expect(framer.scannedBytes).toBeGreaterThan(0);
    expect(framer.scannedBytes).toBeLessThanOrEqual(3 * bytes);
  });

  it('reports a run of skipped candidates once a chunk, not once a candidate', () => {
    const { events, bytes } = feed('##0001');
    expect(events.length).toBeLessThanOrEqual(2 * Math.ceil(bytes / 65_536));
    expect(events.reduce((sum, event) => sum + (event.kind === 'skipped' ? event.bytes : 0), 0)).toBeGreaterThan(bytes - 12);
  });

  it('looks at a frame trickled in one byte at a time a few times its length, not its length squared', () => {
    const framer = createFramer({ maxSegmentBytes: 4_096 });
    const frame = Buffer.from(`${vectors.tv2AirMinute}\r\n`);
    const lying = Buffer.from(`##4000${'a'.repeat(3_000)}\r\n`);
    let frames = 0;
    for (const bytes of [lying, frame]) for (let at = 0; at < bytes.length; at += 1) frames += framer.push(bytes.subarray(at, at + 1)).filter((event) => event.kind === 'frame').length;
    expect(frames).toBe(1);
    expect(framer.scannedBytes).toBeLessThanOrEqual(4 * (lying.length + frame.length));
  });

  it('still finds the frame after a MiB of candidates', () => {
    const framer = createFramer({ maxSegmentBytes: 4_096 });
    framer.push(Buffer.from('##0001'.repeat(100_000)));
    const events = framer.push(Buffer.from(`${vectors.tv8Flags}\r\n`));
    expect(events.filter((event) => event.kind === 'frame')).toHaveLength(1);
    expect(framer.buffered).toBe(0);
  });
});
