import { describe, expect, it } from 'vitest';
import { matchCrc } from '../../../services/hj212/crc.ts';
import { createFramer, type FramerEvent } from '../../../services/hj212/framer.ts';
import { parseSegment, type Packet } from '../../../services/hj212/packet.ts';
import { encodeFrame, replyTo } from '../../../services/hj212/reply.ts';
import { vectors } from '../../fixtures/hj212-vectors.ts';

const packetOf = (segment: string): Packet => {
  const parsed = parseSegment(segment);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.packet;
};
const kinds = (events: FramerEvent[]) => events.map((event) => (event.kind === 'frame' ? `frame:${event.frame.declaredLength}` : event.kind === 'skipped' ? `${event.reason}:${event.bytes}` : `oversize:${event.declared}`));

describe('HJ 212 answers to notifications (reference/hj212.md §3, §9.1)', () => {
  it('answers a 2025 heartbeat (9015) with 9013, as caoyiliang/HJ212 waits for (CN9013Rsp), only when the answer bit is set', () => {
    const heartbeat = 'QN=20260101000000001;ST=22;CN=9015;PW=123456;MN=AQI2411132600332;Flag=9;CP=&&&&';
    expect(replyTo(packetOf(heartbeat))?.toString()).toBe(encodeFrame('QN=20260101000000001;ST=91;CN=9013;PW=123456;MN=AQI2411132600332;Flag=8;CP=&&&&').toString());
    expect(replyTo(packetOf(heartbeat.replace('Flag=9', 'Flag=8')))).toBeNull();
  });

  it('answers the 2025 notifications 1001 (logger serial) and 1014 (new key request) with 9013 too', () => {
    for (const cn of ['1001', '1014']) {
      expect(replyTo(packetOf(`QN=20260101000000002;ST=22;CN=${cn};PW=123456;MN=M1;Flag=9;CP=&&&&`))?.toString()).toContain(';CN=9013;');
    }
  });

  it('answers a Flag-less (2005) packet only when asked to (answerFlagless), with Flag=0, the QN echoed or empty', () => {
    const old = packetOf(vectors.tv9Old2005.slice(6, -4));
    expect(replyTo(old)).toBeNull();
    expect(replyTo(old, { answerFlagless: false })).toBeNull();
    expect(replyTo(old, { answerFlagless: true })?.toString()).toBe(encodeFrame('QN=;ST=91;CN=9014;PW=000000;MN=LD130133000015;Flag=0;CP=&&&&').toString());
    expect(replyTo(packetOf(vectors.tv2AirMinute.slice(6, -4)), { answerFlagless: true })).toBeNull(); // its Flag=4 says no
  });

  it('answers 1013 with exactly TV15\'s 9013', () => {
    expect(replyTo(packetOf(vectors.tv15TimeRequest.slice(6, -4)))?.toString()).toBe(`${vectors.tv15Reply}\r\n`);
  });
});

describe('HJ 212 framer: a length field that lies (reference/hj212.md §2, §9.2)', () => {
  const framer = () => createFramer({ maxSegmentBytes: 4_096 });
  const liar = (declared: string) => Buffer.from(`${vectors.tv5NoiseRtd.replace('##0122', `##${declared}`)}\r\n`);

  it('a length too long does not swallow the frames after it: the frame ends at its line end, is skipped, the next is taken at once', () => {
    const events = framer().push(Buffer.concat([liar('2000'), Buffer.from(`${vectors.tv8Flags}\r\n`)]));
    expect(kinds(events)).toEqual(['bad_tail:2', 'garbage:132', 'frame:282']);
  });

  it('does so however the stream is cut (the lying frame alone first, then the next frame)', () => {
    const f = framer();
    expect(kinds(f.push(liar('0400')))).toEqual(['bad_tail:2', 'garbage:132']);
    expect(kinds(f.push(Buffer.from(`${vectors.tv8Flags}\r\n`)))).toEqual(['frame:282']);
    expect(f.buffered).toBe(0);
  });

  it('a length too short is skipped as well, and the next frame taken', () => {
    expect(kinds(framer().push(Buffer.concat([liar('0100'), Buffer.from(`${vectors.tv8Flags}\r\n`)])))).toEqual(['bad_tail:2', 'garbage:132', 'frame:282']);
  });
});

describe('HJ 212 framer: a frame without CR LF (reference/hj212.md §2: caoyiliang/HJ212 makes CR and LF optional; compat accepts the next `##` as the end)', () => {
  const framer = () => createFramer({ maxSegmentBytes: 4_096 });
  const tails = (events: FramerEvent[]) => events.map((event) => (event.kind === 'frame' ? `${event.frame.tail}:${event.frame.crc}` : event.kind === 'skipped' ? `${event.reason}:${event.bytes}` : `oversize:${event.declared}`));

  it('ends a frame with no tail at the next `##`, and one with a bare CR at the CR', () => {
    const events = framer().push(Buffer.from(`${vectors.tv5NoiseRtd}${vectors.tv8Flags}\r${vectors.tv4HourAck}\r\n`));
    expect(tails(events)).toEqual(['none:0880', 'cr:0880', 'crlf:C181']);
  });

  it('holds a tail-less last frame until the station falls quiet, then flush() takes it', () => {
    const f = framer();
    expect(f.push(Buffer.from(vectors.tv5NoiseRtd))).toEqual([]);
    expect(f.awaitingTail).toBe(true);
    expect(tails(f.flush())).toEqual(['none:0880']);
    expect(f.buffered).toBe(0);
    expect(f.push(Buffer.from(`${vectors.tv8Flags}\r`))).toEqual([]);
    expect(tails(f.flush())).toEqual(['cr:0880']);
  });

  // The issue 20 audit: caoyiliang/HJ212 counts the length in characters AND makes CR and LF
  // optional; each bend alone was taken, both at once were skipped as bad_tail, the packet unanswered.
  const charCounted = (() => {
    const segment = 'QN=20261207085926597;ST=22;CN=3020;PW=123456;MN=AUDITCOMPAT000000000001;Flag=5;CP=&&DataTime=20261207085916;i11001-Info=//仪器开机//&&';
    return `##${String(segment.length).padStart(4, '0')}${segment}4980`;
  })();
  const units = (events: FramerEvent[]) => events.map((event) => (event.kind === 'frame' ? `${event.frame.lengthUnit}:${event.frame.tail}` : event.kind === 'skipped' ? `${event.reason}:${event.bytes}` : `oversize:${event.declared}`));

  it('takes a frame whose length counts characters with no tail or a bare CR, before the next frame', () => {
    expect(units(framer().push(Buffer.from(`${charCounted}${vectors.tv4HourAck}\r\n`)))).toEqual(['chars:none', 'bytes:crlf']);
    expect(units(framer().push(Buffer.from(`${charCounted}\r${vectors.tv4HourAck}\r\n`)))).toEqual(['chars:cr', 'bytes:crlf']);
  });

  it('holds such a frame when it is the last one, and flush() takes it once the station falls quiet', () => {
    for (const tail of ['', '\r']) {
      const f = framer();
      expect(f.push(Buffer.from(`${charCounted}${tail}`))).toEqual([]);
      expect(f.awaitingTail).toBe(true);
      expect(units(f.flush())).toEqual([tail ? 'chars:cr' : 'chars:none']);
      expect(f.buffered).toBe(0);
    }
  });

  it('flushes nothing from a frame still incomplete', () => {
    const f = framer();
    f.push(Buffer.from(vectors.tv5NoiseRtd.slice(0, 50)));
    expect(f.awaitingTail).toBe(false);
    expect(f.flush()).toEqual([]);
    expect(f.buffered).toBe(50);
  });
});

describe('HJ 212 compat CRCs (reference/hj212.md §2.3, §9.3: ARC, MODBUS, MODBUS byte-swapped)', () => {
  const segment = Buffer.from(vectors.tv5NoiseRtd.slice(6, -4));
  it('takes plain CRC-16/MODBUS (srdgame/lua-HJ212 crc_serial.lua) in compat only, either case', () => {
    expect(matchCrc(segment, 'B055', 'strict')).toBeNull();
    expect(matchCrc(segment, 'B055', 'compat')).toBe('modbus');
    expect(matchCrc(segment, 'b055', 'compat')).toBe('modbus');
    expect(matchCrc(segment, '55B0', 'compat')).toBe('modbus-swapped');
    expect(matchCrc(segment, '0724', 'compat')).toBe('arc');
    expect(matchCrc(segment, '0880', 'compat')).toBe('hj212');
  });
});

describe('HJ 212 compat CRCs of libraries that count characters (reference/hj212.md §2, §2.3, §7)', () => {
  /** xiaoyao9184/hj-t212-parser T212Parser.crc16Checkout, literally: the Appendix A loop over Java chars (UTF-16 units). */
  const javaCharsCrc = (text: string) => {
    let reg = 0xffff;
    for (let i = 0; i < text.length; i += 1) {
      reg = (reg >> 8) ^ text.charCodeAt(i);
      for (let j = 0; j < 8; j += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
    }
    return reg.toString(16).toUpperCase().padStart(4, '0');
  };
  const segmentText = vectors.tv14Utf8.slice(6, -4);
  const segment = Buffer.from(segmentText, 'utf8');

  it('takes the CRC of a Java generator (over UTF-16 chars) and of a C# one (Encoding.ASCII: each Chinese character a `?`) in compat only', () => {
    const java = javaCharsCrc(segmentText);
    const csharp = javaCharsCrc(segmentText.replace(/[\u0080-\uffff]/g, '?'));
    expect(new Set([java, csharp, '4C80']).size).toBe(3);
    expect(matchCrc(segment, java, 'strict')).toBeNull();
    expect(matchCrc(segment, csharp, 'strict')).toBeNull();
    expect(matchCrc(segment, java, 'compat')).toBe('hj212-utf16');
    expect(matchCrc(segment, csharp.toLowerCase(), 'compat')).toBe('hj212-ascii');
  });

  it('tries them only on a segment with non-ASCII text (elsewhere they are the standard\'s own CRC)', () => {
    const ascii = Buffer.from(vectors.tv5NoiseRtd.slice(6, -4));
    expect(matchCrc(ascii, '0880', 'compat')).toBe('hj212');
    expect(matchCrc(ascii, '0881', 'compat')).toBeNull();
  });
});
