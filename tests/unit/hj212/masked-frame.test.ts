import { describe, expect, it } from 'vitest';
import { crcText, hj212Crc } from '../../../services/hj212/crc.ts';
import { createFramer, type Frame } from '../../../services/hj212/framer.ts';
import { withPwMasked } from '../../../services/hj212/masked-frame.ts';
import { parseSegment } from '../../../services/hj212/packet.ts';
import { encodeFrame } from '../../../services/hj212/reply.ts';
import { retimeFrame } from '../../../simulators/replay-frames.ts';
import { vectors } from '../../fixtures/hj212-vectors.ts';

const frameOf = (raw: Buffer): Frame => {
  const [event] = createFramer({ maxSegmentBytes: 9_999 }).push(raw);
  if (event?.kind !== 'frame') throw new Error('not a frame');
  return event.frame;
};
const masked = (raw: Buffer) => withPwMasked(raw, frameOf(raw).segment);
/** A valid frame as the standard frames it: byte length, Appendix A CRC, CR LF. */
const expectValid = (raw: Buffer) => {
  const frame = frameOf(raw);
  expect(frame).toMatchObject({ lengthUnit: 'bytes', tail: 'crlf', declaredLength: frame.segment.length, crc: crcText(hj212Crc(frame.segment)) });
  return frame;
};

describe('HJ 212 frames relayed with the PW masked (red team 1)', () => {
  it('masks the 24-character PW of TV4 and keeps every other field', () => {
    const raw = Buffer.from(`${vectors.tv4HourAck}\r\n`);
    const out = masked(raw);
    expect(out.toString()).not.toContain('BF470F88957588DE902D1A52');
    const before = parseSegment(frameOf(raw).segment);
    const after = parseSegment(expectValid(out).segment);
    expect(before.ok && after.ok && after.packet).toEqual(before.ok && { ...before.packet, pw: '******' });
  });

  it('masks every PW of the header as the parser finds it (spaces around the key, a `,` separator, a repeated key), not a PW in CP', () => {
    const out = masked(encodeFrame('ST=22; PW = 654321 ,MN=X;PW=777777;CP=&&PW=1&&')).toString();
    expect(out).toContain('; PW =******,MN=X;PW=******;CP=&&PW=1&&');
    expectValid(Buffer.from(out));
  });

  it('keeps Chinese text, counts the length in bytes, and leaves a frame without a PW as it came', () => {
    const raw = Buffer.from(`${vectors.tv14Utf8}\r\n`);
    const out = masked(raw);
    expect(expectValid(out).segment.toString()).toContain('PW=******');
    expect(out.toString()).toContain(vectors.tv14Utf8.slice(vectors.tv14Utf8.indexOf('CP=&&'), -4));
    const withoutPw = encodeFrame('ST=22;CN=2011;MN=X;CP=&&&&');
    expect(masked(withoutPw)).toBe(withoutPw);
  });

  it('is replayed with the target\'s PW in place of the mask, as a valid frame', () => {
    const replayed = retimeFrame(masked(Buffer.from(`${vectors.tv5NoiseRtd}\r\n`)), 0, 'ABCDEF123456');
    const parsed = parseSegment(expectValid(replayed).segment);
    expect(parsed.ok && parsed.packet.pw).toBe('ABCDEF123456');
  });
});
