import { describe, expect, it } from 'vitest';
import { crcText, hj212Crc, matchCrc, modbusCrc } from '../../../services/hj212/crc.ts';
import { createFramer, type Frame } from '../../../services/hj212/framer.ts';
import { parseDataTime, parseSegment, type Packet } from '../../../services/hj212/packet.ts';
import { createReassembler } from '../../../services/hj212/reassembly.ts';
import { encodeFrame, replyTo } from '../../../services/hj212/reply.ts';
import { vectors, wire, type VectorName } from '../../fixtures/hj212-vectors.ts';

const framer = () => createFramer({ maxSegmentBytes: 9999 });
function frameOf(name: VectorName): Frame {
  const events = framer().push(wire(name));
  expect(events).toHaveLength(1);
  const event = events[0]!;
  if (event.kind !== 'frame') throw new Error(`no frame: ${JSON.stringify(event)}`);
  return event.frame;
}
function packetOf(name: VectorName): Packet {
  const parsed = parseSegment(frameOf(name).segment);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.packet;
}
const replyText = (name: VectorName) => replyTo(packetOf(name))?.toString('utf8') ?? null;
const value = (packet: Packet, code: string, suffix: string) => packet.cp.find((item) => item.code === code && item.suffix === suffix)?.value;

describe('HJ 212 CRC (Appendix A)', () => {
  it('gives the standard example 1C80, not CRC-16/MODBUS 0759 (nor the prose typo 1C08)', () => {
    const { segment } = frameOf('tv1AppendixA');
    expect(crcText(hj212Crc(segment))).toBe('1C80');
    expect(crcText(modbusCrc(segment))).toBe('0759');
  });

  it.each(Object.keys(vectors).filter((name) => !['tv10BadCrc', 'tv11Arc', 'tv12ModbusSwapped', 'tv12ModbusSwappedReal', 'tv12ArcShort'].includes(name)) as VectorName[])('%s matches in strict mode, either case', (name) => {
    const frame = frameOf(name);
    expect(matchCrc(frame.segment, frame.crc, 'strict')).toBe('hj212');
  });

  it('refuses a bad CRC in every mode (TV10: computed 3C00, sent 4980)', () => {
    const frame = frameOf('tv10BadCrc');
    expect(crcText(hj212Crc(frame.segment))).toBe('3C00');
    expect(matchCrc(frame.segment, frame.crc, 'strict')).toBeNull();
    expect(matchCrc(frame.segment, frame.crc, 'compat')).toBeNull();
  });

  it.each([
    ['tv11Arc', 'arc', 'F001'],
    ['tv12ArcShort', 'arc', '0880'],
    ['tv12ModbusSwapped', 'modbus-swapped', '0880'],
    ['tv12ModbusSwappedReal', 'modbus-swapped', '0440'],
  ] as const)('%s: strict refuses, compat accepts as %s (standard CRC %s)', (name, variant, standard) => {
    const frame = frameOf(name);
    expect(crcText(hj212Crc(frame.segment))).toBe(standard);
    expect(matchCrc(frame.segment, frame.crc, 'strict')).toBeNull();
    expect(matchCrc(frame.segment, frame.crc, 'compat')).toBe(variant);
  });

  it('takes only 256 values, low byte in {00,01,40,41,80,81,C0,C1} (reference §2.3)', () => {
    const lows = new Set<number>();
    for (let i = 0; i < 5_000; i += 1) lows.add(hj212Crc(Buffer.from(`QN=${i};CP=&&x=${i * 7919}&&`)) & 0xff);
    expect([...lows].every((low) => [0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xc0, 0xc1].includes(low))).toBe(true);
  });
});

describe('HJ 212 framer', () => {
  it('counts the length in bytes: TV14 is 152 bytes and 144 characters', () => {
    const frame = frameOf('tv14Utf8');
    expect(frame.declaredLength).toBe(152);
    expect(frame.segment.length).toBe(152);
    expect(frame.segment.toString('utf8').length).toBe(144);
    expect(frame.lengthUnit).toBe('bytes');
    expect(frame.raw.equals(wire('tv14Utf8'))).toBe(true);
  });

  it('takes a frame whose length counts characters (a UTF-16 device) and says so', () => {
    const text = vectors.tv14Utf8.replace('##0152', '##0144');
    const events = framer().push(Buffer.from(`${text}\r\n${vectors.tv5NoiseRtd}\r\n`));
    expect(events.map((event) => (event.kind === 'frame' ? event.frame.lengthUnit : event.kind === 'skipped' ? event.reason : event.kind))).toEqual(['chars', 'bytes']);
  });

  it('skips garbage between frames and reports it once', () => {
    const stream = Buffer.concat([Buffer.from('DTU-REG:8613800\r\n#'), wire('tv5NoiseRtd'), Buffer.from('ping\n'), wire('tv8Flags')]);
    const events = framer().push(stream);
    expect(events.map((event) => event.kind === 'frame' ? 'frame' : event.kind === 'skipped' ? `${event.reason}:${event.bytes}` : `oversize:${event.declared}`)).toEqual(['garbage:17', 'bad_length_field:1', 'frame', 'garbage:5', 'frame']);
  });

  it('refuses a declared length above the cap and resynchronises on the next frame', () => {
    const small = createFramer({ maxSegmentBytes: 200 });
    const events = small.push(Buffer.concat([wire('tv2AirMinute'), wire('tv5NoiseRtd')]));
    expect(events.slice(0, 2)).toEqual([{ kind: 'oversize', declared: 411 }, { kind: 'skipped', bytes: 6 + 411 + 4 + 2, reason: 'oversize' }]);
    expect(events.filter((event) => event.kind === 'frame')).toHaveLength(1);
    expect(small.buffered).toBe(0);
  });

  it('skips a frame whose tail is missing and keeps the next one', () => {
    const broken = vectors.tv5NoiseRtd.slice(0, 60); // cut mid-frame, as a station killed mid-send
    const events = framer().push(Buffer.from(`${broken}${vectors.tv8Flags}\r\n`));
    const frames = events.filter((event) => event.kind === 'frame');
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind === 'frame' && frames[0]!.frame.raw.toString()).toBe(`${vectors.tv8Flags}\r\n`);
  });

  it('accepts a bare LF as the tail and says so (a strict device is refused for it by the receiver)', () => {
    const events = framer().push(Buffer.from(`${vectors.tv5NoiseRtd}\n`));
    expect(events[0]!.kind === 'frame' && events[0]!.frame.tail).toBe('lf');
  });

  it('waits for the rest, byte by byte', () => {
    const f = framer();
    const bytes = wire('tv4HourAck');
    for (let i = 0; i < bytes.length - 1; i += 1) expect(f.push(bytes.subarray(i, i + 1))).toEqual([]);
    const last = f.push(bytes.subarray(bytes.length - 1));
    expect(last[0]!.kind === 'frame' && last[0]!.frame.raw.equals(bytes)).toBe(true);
  });
});

describe('HJ 212 data segment', () => {
  it('TV1: header fields and flag bits', () => {
    const packet = packetOf('tv1AppendixA');
    expect(packet).toMatchObject({ qn: '20160801085857223', st: '32', cn: '1062', pw: '100000', mn: '010000A8900016F000169DC0', flag: { raw: 5, version: 1, split: false, ack: true } });
    expect(packet.cp).toEqual([{ code: 'RtdInterval', suffix: '', value: '30' }]);
  });

  it('TV2: minute data, keys split at the last dash, no reply', () => {
    const packet = packetOf('tv2AirMinute');
    expect(packet.flag).toEqual({ raw: 4, version: 1, split: false, ack: false });
    expect(value(packet, 'a21004', 'Avg')).toBe('4');
    expect(value(packet, 'a21005', 'Avg')).toBe('0.427');
    expect(value(packet, 'a34002', 'Flag')).toBe('N');
    expect(parseDataTime(value(packet, 'DataTime', '')!)).toBe(Date.parse('2022-05-13T16:26:00+08:00'));
    expect(replyText('tv2AirMinute')).toBeNull();
  });

  it('TV3: version 2 (2025 layout), no answer wanted', () => {
    expect(packetOf('tv3WaterLowerCrc').flag).toEqual({ raw: 8, version: 2, split: false, ack: false });
    expect(replyText('tv3WaterLowerCrc')).toBeNull();
  });

  it('TV9: a 2005 packet without QN and Flag, mixed separators', () => {
    const packet = packetOf('tv9Old2005');
    expect(packet.qn).toBeUndefined();
    expect(packet.flag).toBeUndefined();
    expect(packet.cp.map((item) => `${item.code}-${item.suffix}=${item.value}`)).toEqual(['DataTime-=20160824003817', '011-Rtd=231.0', '011-Flag=N', 'B01-Rtd=36.91', '060-Rtd=1.803', '060-Flag=N']);
    expect(replyText('tv9Old2005')).toBeNull();
  });

  it('TV11: the empty item of a trailing `;` is ignored', () => {
    expect(packetOf('tv11Arc').cp.map((item) => item.code)).toEqual(['DataTime', 'TEMP', 'HUMI', 'PM25', 'CO2', 'CH2O', 'VOC']);
  });

  it('TV13 and TV14: empty MN kept as empty; UTF-8 text value intact', () => {
    expect(packetOf('tv13EmptyMn').mn).toBe('');
    expect(value(packetOf('tv14Utf8'), 'i11001', 'Info')).toBe('//仪器开机//');
  });

  it('parses leniently: the standard\'s own typos (missing `;`, commas, spaces)', () => {
    const parsed = parseSegment('QN=20160801085857534,ST=32;CN=2011 ; PW=123456;MN=X;Flag=5CP=&& LA-Rtd=50.1 ; DataTime=20160801085857&&');
    expect(parsed.ok && parsed.packet).toMatchObject({ qn: '20160801085857534', st: '32', cn: '2011', flag: { raw: 5 } });
    expect(parsed.ok && parsed.packet.cp).toEqual([{ code: 'LA', suffix: 'Rtd', value: '50.1' }, { code: 'DataTime', suffix: '', value: '20160801085857' }]);
  });

  it('refuses a segment without CP, a bad Flag, a split packet without PNO', () => {
    expect(parseSegment('QN=1;ST=22;CN=2011').ok).toBe(false);
    expect(parseSegment('QN=1;Flag=x;CP=&&&&').ok).toBe(false);
    expect(parseSegment('QN=1;Flag=7;PNUM=2;CP=&&&&').ok).toBe(false);
  });

  it('reads DataTime of 14 and 17 digits in Beijing time, and refuses impossible dates', () => {
    expect(parseDataTime('20240601000000')).toBe(Date.parse('2024-05-31T16:00:00Z'));
    expect(parseDataTime('20240601000000123')).toBe(Date.parse('2024-05-31T16:00:00.123Z'));
    expect(parseDataTime('20240231000000')).toBeNull();
    expect(parseDataTime('2024060100')).toBeNull();
    // A year of two digits padded (0099) is no DataTime, not 1999.
    expect(parseDataTime('00990601000000')).toBeNull();
    expect(parseDataTime('19691231235959')).toBeNull();
  });
});

describe('HJ 212 replies, byte for byte', () => {
  it.each([
    ['tv4HourAck', 'tv4Reply'],
    ['tv5NoiseRtd', 'tv5Reply'],
    ['tv7Split1', 'tv7Reply1'],
    ['tv7Split2', 'tv7Reply2'],
    ['tv8Flags', 'tv8Reply'],
    ['tv13EmptyMn', 'tv13Reply'],
    ['tv15TimeRequest', 'tv15Reply'],
    ['tv16MicroStation', 'tv16Reply'],
  ] as const)('%s is answered with %s', (input, reply) => {
    expect(replyText(input)).toBe(`${vectors[reply]}\r\n`);
  });

  it('answers a 2025 sender with Flag=8', () => {
    const packet = { ...packetOf('tv5NoiseRtd'), flag: { raw: 9, version: 2, split: false, ack: true } };
    expect(replyTo(packet)?.toString()).toContain(';Flag=8;CP=&&&&');
  });

  it('never answers an answer (9011-9014) nor a packet without the answer bit', () => {
    expect(replyText('c9014')).toBeNull();
    expect(replyText('tv14Utf8')).toBeNull();
    expect(replyText('tv9Old2005')).toBeNull();
  });

  it('frames what it encodes with the byte length and the Appendix A CRC', () => {
    expect(encodeFrame('QN=20160801085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&').toString()).toBe(`${vectors.c9014}\r\n`);
    expect(encodeFrame('CP=&&i=仪器&&').subarray(0, 6).toString()).toBe('##0015');
  });
});

describe('HJ 212 split packets', () => {
  it('TV7: two parts make one hour record with w00000, w01001 and w01018, in either order', () => {
    for (const order of [['tv7Split1', 'tv7Split2'], ['tv7Split2', 'tv7Split1']] as const) {
      const reassembler = createReassembler({ timeoutMs: 60_000, maxSets: 10 });
      expect(reassembler.add(packetOf(order[0]), 0)).toEqual({ kind: 'waiting', have: 1, of: 2 });
      const done = reassembler.add(packetOf(order[1]), 1);
      if (done.kind !== 'complete') throw new Error(done.kind);
      expect(done.parts).toBe(2);
      expect(done.packet.qn).toBe('20160801085857534');
      expect(done.packet.cp.filter((item) => item.code === 'DataTime')).toHaveLength(1);
      expect([...new Set(done.packet.cp.map((item) => item.code))]).toEqual(['DataTime', 'w00000', 'w01001', 'w01018']);
      expect(reassembler.pending).toBe(0);
    }
  });

  it('counts a repeated part as a duplicate, gives up a set after the timeout, and holds at most maxSets', () => {
    const evicted: string[] = [];
    const reassembler = createReassembler({ timeoutMs: 1_000, maxSets: 2, onEvicted: (set) => evicted.push(set.key) });
    expect(reassembler.add(packetOf('tv7Split1'), 0).kind).toBe('waiting');
    expect(reassembler.add(packetOf('tv7Split1'), 1).kind).toBe('duplicate');
    expect(reassembler.expire(999)).toEqual([]);
    expect(reassembler.expire(1_000)).toHaveLength(1);
    for (let i = 0; i < 3; i += 1) reassembler.add({ ...packetOf('tv7Split1'), mn: `M${i}` }, 2_000);
    expect(reassembler.pending).toBe(2);
    expect(evicted).toHaveLength(1);
  });
});
