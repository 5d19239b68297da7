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

const semicolon = 0x3b;
const comma = 0x2c;
const equalsSign = 0x3d;

/**
 * Walks `a;b,c` between `from` and `to`: each item split at its first `=` into a trimmed key
 * and value, items without `=` or with an empty key skipped (an empty item of `…;&&`, a stray
 * word). One pass over the characters, no intermediate array of items: every packet is parsed
 * (issue 20's throughput goal), so this is the receiver's hottest loop.
 */
function eachPair(text: string, from: number, to: number, visit: (key: string, value: string) => void): void {
  let itemStart = from;
  while (itemStart <= to) {
    let equals = -1;
    let itemEnd = itemStart;
    for (; itemEnd < to; itemEnd += 1) {
      const code = text.charCodeAt(itemEnd);
      if (code === semicolon || code === comma) break;
      if (code === equalsSign && equals === -1) equals = itemEnd;
    }
    if (equals !== -1) {
      const key = text.slice(itemStart, equals).trim();
      if (key !== '') visit(key, text.slice(equals + 1, itemEnd).trim());
    }
    itemStart = itemEnd + 1;
  }
}

/** A CP key's code and suffix. */
interface KeyParts {
  readonly code: string;
  readonly suffix: string;
}

/**
 * Keys already split: a station sends the same dozen keys in every packet, so each is split
 * once and its code and suffix strings are shared (two strings fewer an item, and the mapping's
 * caches then meet the same string objects). Bounded: a vendor's keys are not trusted to repeat.
 */
const keyParts = new Map<string, KeyParts>();
const maxKnownKeys = 4_096;
/** Codes and suffixes are a few characters (`a34004-ZsAvg`); a longer key is split each time, never kept. */
const maxKnownKeyLength = 32;

/** A CP key splits at its LAST `-` into code and suffix; a key without one (DataTime) has suffix ''. */
function cpItem(key: string, value: string): CpItem {
  let parts = keyParts.get(key);
  if (parts === undefined) {
    const dash = key.lastIndexOf('-');
    parts = dash <= 0 ? { code: key, suffix: '' } : { code: key.slice(0, dash), suffix: key.slice(dash + 1) };
    if (keyParts.size < maxKnownKeys && key.length <= maxKnownKeyLength) keyParts.set(key, parts);
  }
  return { code: parts.code, suffix: parts.suffix, value };
}

export function parseCpItems(body: string): CpItem[] {
  const items: CpItem[] = [];
  eachPair(body, 0, body.length, (key, value) => items.push(cpItem(key, value)));
  return items;
}

/** The header fields the receiver reads; any other key is ignored, and a repeated key's last value counts. */
interface Header {
  qn?: string;
  st?: string;
  cn?: string;
  pw?: string;
  mn?: string;
  flag?: string;
  pnum?: string;
  pno?: string;
}

function readHeader(text: string, to: number): Header {
  const header: Header = {};
  eachPair(text, 0, to, (key, value) => {
    switch (key) {
      case 'QN': header.qn = value; break;
      case 'ST': header.st = value; break;
      case 'CN': header.cn = value; break;
      case 'PW': header.pw = value; break;
      case 'MN': header.mn = value; break;
      case 'Flag': header.flag = value; break;
      case 'PNUM': header.pnum = value; break;
      case 'PNO': header.pno = value; break;
      default: break;
    }
  });
  return header;
}

const countOf = (text: string | undefined): number | undefined => (text !== undefined && /^\d{1,4}$/.test(text) ? Number(text) : undefined);

export function parseSegment(segment: Buffer | string): ParsedSegment {
  const text = typeof segment === 'string' ? segment : segment.toString('utf8');
  const cpAt = text.indexOf(cpMarker);
  if (cpAt === -1) return { ok: false, reason: 'no CP=&& in the data segment' };
  const bodyStart = cpAt + cpMarker.length;
  const bodyEnd = text.lastIndexOf('&&');
  if (bodyEnd < bodyStart) return { ok: false, reason: 'CP is not closed by &&' };
  const header = readHeader(text, cpAt);
  let flag: PacketFlag | undefined;
  if (header.flag !== undefined) {
    flag = parseFlag(header.flag);
    if (flag === undefined) return { ok: false, reason: `Flag=${header.flag.slice(0, 8)} is not a number 0-255` };
  }
  const cp: CpItem[] = [];
  eachPair(text, bodyStart, bodyEnd, (key, value) => cp.push(cpItem(key, value)));
  // One shape for every packet (absent fields undefined), so the code reading packets stays monomorphic.
  const packet: Packet = { qn: header.qn, st: header.st, cn: header.cn, pw: header.pw, mn: header.mn, flag, pnum: countOf(header.pnum), pno: countOf(header.pno), cp };
  if (packet.flag?.split && (packet.pnum === undefined || packet.pno === undefined || packet.pno < 1 || packet.pno > packet.pnum)) {
    return { ok: false, reason: 'split packet without a valid PNUM/PNO' };
  }
  return { ok: true, packet };
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i += 1) value = value * 10 + text.charCodeAt(i) - 0x30;
  return value;
}

/**
 * DataTime `YYYYMMDDhhmmss` (or 17 digits with ms, xiaoyao9184 issue #5) in the station's
 * zone, by default China Standard Time (UTC+8, no daylight saving): epoch ms, or null.
 */
export function parseDataTime(text: string, utcOffsetMinutes = 480): number | null {
  // Read digit by digit (every data packet has one): 14 or 17 ASCII digits, nothing else.
  if ((text.length !== 14 && text.length !== 17) || !allDigits(text)) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 4, 6);
  const day = digitsAt(text, 6, 8);
  const hour = digitsAt(text, 8, 10);
  const minute = digitsAt(text, 10, 12);
  const second = digitsAt(text, 12, 14);
  const ms = text.length === 17 ? digitsAt(text, 14, 17) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  // No station measured before 1970; Date.UTC also takes years 0-99 for 1900-1999, so `0099…` was
  // read as 1999 and refused as too old, which named the wrong fault.
  if (year < 1970) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March: such a date is refused, not moved.
  if (new Date(utc).getUTCDate() !== day) return null;
  return utc - utcOffsetMinutes * 60_000;
}
