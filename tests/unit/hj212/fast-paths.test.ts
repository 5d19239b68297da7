import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arcCrc, hj212Crc, modbusCrc } from '../../../services/hj212/crc.ts';
import { parseSegment } from '../../../services/hj212/packet.ts';
import { numberOf } from '../../../services/hj212/station-door.ts';
import { encodeStationLine } from '../../../services/hj212/station-lines.ts';
import { deviceTags } from '../../../services/registry/device-tags.ts';
import { encodePoint } from '../../../services/storage/line-protocol.ts';
import type { DeviceRecord } from '../../../services/registry/registry-schema.ts';

/** HJ 212-2017 Appendix A and the reflected CRC-16s bit by bit, as written in the standard: the table forms must agree on any bytes. */
function bitwise(kind: 'hj212' | 'modbus' | 'arc', bytes: Uint8Array): number {
  let reg = kind === 'arc' ? 0 : 0xffff;
  for (const byte of bytes) {
    reg = kind === 'hj212' ? (reg >> 8) ^ byte : reg ^ byte;
    for (let bit = 0; bit < 8; bit += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
  }
  return reg;
}

/** The segment parser as it was before its one-pass form (split on `;`/`,`, keys by record): the reference for the property below. */
function referencePairs(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of text.split(/[;,]/)) {
    const equals = item.indexOf('=');
    if (equals === -1) continue;
    const key = item.slice(0, equals).trim();
    if (key !== '') out.push([key, item.slice(equals + 1).trim()]);
  }
  return out;
}
function referenceParse(text: string) {
  const cpAt = text.indexOf('CP=&&');
  const bodyEnd = text.lastIndexOf('&&');
  if (cpAt === -1 || bodyEnd < cpAt + 5) return null;
  const header: Record<string, string> = {};
  for (const [key, value] of referencePairs(text.slice(0, cpAt))) header[key] = value;
  const cp = referencePairs(text.slice(cpAt + 5, bodyEnd)).map(([key, value]) => {
    const dash = key.lastIndexOf('-');
    return dash <= 0 ? { code: key, suffix: '', value } : { code: key.slice(0, dash), suffix: key.slice(dash + 1), value };
  });
  return { qn: header.QN, st: header.ST, cn: header.CN, pw: header.PW, mn: header.MN, cp };
}

describe('the receiver\'s fast paths say what the slow ones said', () => {
  it('table CRCs equal the bit-by-bit algorithms on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      expect(hj212Crc(bytes)).toBe(bitwise('hj212', bytes));
      expect(modbusCrc(bytes)).toBe(bitwise('modbus', bytes));
      expect(arcCrc(bytes)).toBe(bitwise('arc', bytes));
    }), { numRuns: 300 });
  });

  it('the one-pass segment parser reads any segment as split-and-trim did', () => {
    const piece = fc.constantFrom('QN', 'ST', 'CN', 'PW', 'MN', 'PNUM', 'DataTime', 'a34004-Avg', 'a-b-Rtd', '-x', ' LA-Rtd ', '=', ';', ',', ' ', '&&', 'CP=&&', '1', 'N', '仪器', '\t');
    const segment = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
    fc.assert(fc.property(segment, segment, (head, body) => {
      const text = `${head}CP=&&${body}&&`;
      const parsed = parseSegment(text);
      const reference = referenceParse(text)!;
      if (!parsed.ok) return; // Flag or PNUM/PNO refused: a check after parsing, unchanged
      expect({ qn: parsed.packet.qn, st: parsed.packet.st, cn: parsed.packet.cn, pw: parsed.packet.pw, mn: parsed.packet.mn, cp: parsed.packet.cp }).toEqual(reference);
    }), { numRuns: 500 });
  });

  it('a station line is byte for byte what encodePoint writes, and refuses what it refuses', () => {
    const device = { id: 'air-x', site: 'site a,b', street: 'st=1', family: 'noise', attributes: { road: 'Road 1', zoneClass: '4a' } } as unknown as DeviceRecord;
    const fields = [['leq_dba', 50.1, 'float'], ['leq_dba_flag', 'N"\\', 'string'], ['recv_lag_ms', 12, 'int']] as const;
    for (let round = 0; round < 2; round += 1) {
      expect(encodeStationLine(device, 'noise_level_hj212', 'hour', fields, 1_700_000_000_000)).toBe(encodePoint({ measurement: 'noise_level_hj212', tags: { ...deviceTags(device), interval: 'hour' }, fields, timeMs: 1_700_000_000_000 }));
    }
    expect(() => encodeStationLine(device, 'noise_level', 'rtd', [['leq_dba', Number.POSITIVE_INFINITY, 'float']], 0)).toThrow(/finite/);
    expect(() => encodeStationLine({ ...device, site: 'a\nb' }, 'noise_level', 'rtd', fields, 0)).toThrow(/line protocol/);
  });
});

describe('an HJ 212 value read as a number', () => {
  // The pattern it replaced: a decimal with optional sign, point and exponent; nothing else.
  const reference = (text: string) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : null);

  it('takes what the decimal pattern takes and nothing else, for any text of its characters', () => {
    const text = fc.array(fc.constantFrom(...'0123456789+-.eE xI_'), { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(fc.property(text, (value) => Object.is(numberOf(value), reference(value))), { numRuns: 20_000 });
  });

  it('refuses what Number() alone would take', () => {
    for (const value of ['', '.', '-', '1e', '0x10', 'Infinity', ' 1', '1 ', '1_0', '1e+', 'NaN']) expect(numberOf(value)).toBeNull();
    expect([numberOf('1.'), numberOf('.5'), numberOf('-2.5e-3'), numberOf('+7'), numberOf('35.20')]).toEqual([1, 0.5, -0.0025, 7, 35.2]);
  });
});
