/**
 * The HJ 212 data segment (HJ 212-2017 §6.3.2, Table 3; CP syntax §6.3.3, Table 4), parsed
 * leniently as real devices need (reference/hj212.md §2.1): header fields by key, not by
 * position (2005 packets have no QN or Flag; PNUM/PNO come in either order); `;` and `,`
 * both separate; spaces around keys trimmed; the CP body is what lies between `CP=&&` and the
 * LAST `&&`; a CP key splits at its LAST `-` into code and suffix (`a21026-Avg`, `LA-Rtd`).
 */

export interface PacketFlag {
  readonly raw: number;
  /** Bits 7-2: 0 = HJ/T 212-2005, 1 = HJ 212-2017, 2 = HJ 212-2025 (caoyiliang/HJ212, unverified). */
  readonly version: number;
  /** Bit 1: the packet is one of several (PNUM/PNO present). */
  readonly split: boolean;
  /** Bit 0: the sender wants an answer. */
  readonly ack: boolean;
}

/** One `code-suffix=value` item of CP; keys without a `-` (DataTime, PolId) have suffix ''. */
export interface CpItem {
  readonly code: string;
  readonly suffix: string;
  readonly value: string;
}

export interface Packet {
  readonly qn?: string;
  readonly st?: string;
  readonly cn?: string;
  readonly pw?: string;
  readonly mn?: string;
  /** Absent in 2005 packets: version 0, no answer wanted. */
  readonly flag?: PacketFlag;
  readonly pnum?: number;
  readonly pno?: number;
  readonly cp: readonly CpItem[];
}

export type ParsedSegment = { readonly ok: true; readonly packet: Packet } | { readonly ok: false; readonly reason: string };

const cpMarker = 'CP=&&';

export function parseFlag(text: string): PacketFlag | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const raw = Number(text);
  // The maintainer of xiaoyao9184/hj-t212-parser (issue #19): Flag must not be range-checked beyond its byte.
  if (raw > 255) return undefined;
  return { raw, version: raw >> 2, split: (raw & 2) !== 0, ack: (raw & 1) !== 0 };
}

/** Splits `a;b,c` into trimmed, non-empty `key=value` pairs (split at the first `=`). */
function pairs(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of text.split(/[;,]/)) {
    const equals = item.indexOf('=');
    if (equals === -1) continue; // an empty item (`…;&&`) or a stray word
    const key = item.slice(0, equals).trim();
    if (key !== '') out.push([key, item.slice(equals + 1).trim()]);
  }
  return out;
}

export function parseCpItems(body: string): CpItem[] {
  return pairs(body).map(([key, value]) => {
    const dash = key.lastIndexOf('-');
    return dash <= 0 ? { code: key, suffix: '', value } : { code: key.slice(0, dash), suffix: key.slice(dash + 1), value };
  });
}

export function parseSegment(segment: Buffer | string): ParsedSegment {
  const text = typeof segment === 'string' ? segment : segment.toString('utf8');
  const cpAt = text.indexOf(cpMarker);
  if (cpAt === -1) return { ok: false, reason: 'no CP=&& in the data segment' };
  const bodyStart = cpAt + cpMarker.length;
  const bodyEnd = text.lastIndexOf('&&');
  if (bodyEnd < bodyStart) return { ok: false, reason: 'CP is not closed by &&' };
  const header: Record<string, string> = {};
  for (const [key, value] of pairs(text.slice(0, cpAt))) header[key] = value;
  let flag: PacketFlag | undefined;
  if (header.Flag !== undefined) {
    flag = parseFlag(header.Flag);
    if (flag === undefined) return { ok: false, reason: `Flag=${header.Flag.slice(0, 8)} is not a number 0-255` };
  }
  const count = (key: 'PNUM' | 'PNO'): number | undefined => (header[key] !== undefined && /^\d{1,4}$/.test(header[key]) ? Number(header[key]) : undefined);
  const packet: Packet = {
    ...(header.QN !== undefined ? { qn: header.QN } : {}),
    ...(header.ST !== undefined ? { st: header.ST } : {}),
    ...(header.CN !== undefined ? { cn: header.CN } : {}),
    ...(header.PW !== undefined ? { pw: header.PW } : {}),
    ...(header.MN !== undefined ? { mn: header.MN } : {}),
    ...(flag ? { flag } : {}),
    ...(count('PNUM') !== undefined ? { pnum: count('PNUM') } : {}),
    ...(count('PNO') !== undefined ? { pno: count('PNO') } : {}),
    cp: parseCpItems(text.slice(bodyStart, bodyEnd)),
  };
  if (packet.flag?.split && (packet.pnum === undefined || packet.pno === undefined || packet.pno < 1 || packet.pno > packet.pnum)) {
    return { ok: false, reason: 'split packet without a valid PNUM/PNO' };
  }
  return { ok: true, packet };
}

/**
 * DataTime `YYYYMMDDhhmmss` (or 17 digits with ms, xiaoyao9184 issue #5) in the station's
 * zone, by default China Standard Time (UTC+8, no daylight saving): epoch ms, or null.
 */
export function parseDataTime(text: string, utcOffsetMinutes = 480): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = match[7] ? Number(match[7]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March: such a date is refused, not moved.
  if (new Date(utc).getUTCDate() !== day) return null;
  return utc - utcOffsetMinutes * 60_000;
}
