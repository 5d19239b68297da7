import { isWanxiangError, type ErrorCode } from '../errors.ts';
import { families, type FamilyId } from '../families/index.ts';
import { mappingOf } from '../ingest/device-mapping.ts';
import type { Reading } from '../ingest/reading.ts';
import { withinLimits, type TimeLimits } from '../ingest/timestamps.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { cpNotKept, flagVerdict, ignoredSuffixes, intervalMeasurement, intervalOfCn, mainSuffixes, statNames, statSuffixes, textSuffixes, type DataInterval } from './intervals.ts';
import { parseDataTime, type CpItem, type Packet } from './packet.ts';
import { encodeStationLine, type StationField } from './station-lines.ts';

/** Where a station's unknown codes are kept, raw, durable like its data (and answered once stored). */
export const unknownMeasurement = 'hj212_unknown';

/** What one device takes of a packet: its lines of line protocol and the real-time Reading the live bus sees. */
export interface StationRecord {
  readonly device: DeviceRecord;
  readonly lines: string[];
  readonly readings: Reading[];
  /** Fields refused (out of range, not a number, inconsistent), each counted as one reading. */
  readonly refusals: Array<{ readonly code: ErrorCode; readonly message: string }>;
}

export interface StationIntake {
  readonly interval: DataInterval | null;
  /** The data's time (DataTime: an interval's start), when it had a usable one. */
  readonly timeMs?: number;
  readonly records: StationRecord[];
  /** Items no family, alias or co-located device takes. */
  readonly unknown: CpItem[];
  /** The CP of an upload without interval data (2021, 3020, ...), to keep raw: not unknown codes (intervals.ts, cpNotKept). */
  readonly raw: readonly CpItem[];
  /** A refusal of the whole packet's data (no usable DataTime), or null. */
  readonly refused: { readonly code: ErrorCode; readonly message: string } | null;
  /** Values of the station's own refused one by one (an unknown code's or a raw item's text with a line break); the rest is kept. */
  readonly refusals: StationRecord['refusals'];
}

/**
 * Line protocol keeps no CR or LF in a string (formatFieldValue refuses it), and a segment may
 * hold a CR: such a value is refused alone, the rest of the packet kept and answered (red team 6:
 * one CR in a 3020 text or an unknown code's value lost the whole packet, unanswered).
 */
const hasLineBreak = (text: string) => text.includes('\r') || text.includes('\n');
/** An item kept raw keeps its key too. */
const itemHasLineBreak = (item: CpItem) => hasLineBreak(item.value) || hasLineBreak(item.code) || hasLineBreak(item.suffix);
const lineBreakRefusal = (item: CpItem, value = item.value) => ({
  code: 'WX_ERR_UNENCODABLE' as const,
  message: `${JSON.stringify((item.suffix ? `${item.code}-${item.suffix}` : item.code).slice(0, 40))}=${JSON.stringify(value.slice(0, 40))} holds a line break (CR or LF), which a stored text cannot: that item refused, the rest kept`,
});

/** Items to keep raw, those with a line break refused. */
function keepable(items: readonly CpItem[], refusals: StationRecord['refusals']): readonly CpItem[] {
  if (!items.some(itemHasLineBreak)) return items;
  return items.filter((item) => {
    if (!itemHasLineBreak(item)) return true;
    refusals.push(lineBreakRefusal(item));
    return false;
  });
}

interface FieldValues {
  value?: number;
  flag?: string;
  /** Min, max, cou, zs… as sent (times the unit factor); absent when none came. */
  stats?: Record<string, number>;
  /** EFlag, SampleTime as sent; absent when none came. */
  text?: Record<string, string>;
}

interface FieldSpec {
  readonly field: string;
  readonly min: number;
  readonly max: number;
  readonly type: 'float' | 'int';
}

const inRange = (spec: FieldSpec, value: number) => value >= spec.min && value <= spec.max && (spec.type === 'float' || Number.isInteger(value));

interface Group {
  readonly device: DeviceRecord;
  readonly fields: Map<string, FieldValues>;
  readonly refusals: StationRecord['refusals'];
}

/**
 * A decimal as HJ 212 sends it (`[+-]digits[.digits][e[+-]digits]`, at least one mantissa digit),
 * else null: Number() alone would also take `0x10`, `Infinity` and padded text. Read character by
 * character, since every value of every packet passes here (issue 20's throughput goal).
 */
export function numberOf(text: string): number | null {
  const end = text.length;
  let at = 0;
  let code = text.charCodeAt(0);
  if (code === 0x2b || code === 0x2d) code = text.charCodeAt((at += 1));
  let digits = 0;
  while (code >= 0x30 && code <= 0x39) {
    digits += 1;
    code = text.charCodeAt((at += 1));
  }
  if (code === 0x2e) {
    code = text.charCodeAt((at += 1));
    while (code >= 0x30 && code <= 0x39) {
      digits += 1;
      code = text.charCodeAt((at += 1));
    }
  }
  if (digits === 0) return null;
  if (code === 0x65 || code === 0x45) {
    code = text.charCodeAt((at += 1));
    if (code === 0x2b || code === 0x2d) code = text.charCodeAt((at += 1));
    let exponent = 0;
    while (code >= 0x30 && code <= 0x39) {
      exponent += 1;
      code = text.charCodeAt((at += 1));
    }
    if (exponent === 0) return null;
  }
  return at === end ? Number(text) : null;
}

/** The device a code's family goes to: the station itself, or the co-located device of that family the registry names. */
function targetOf(station: DeviceRecord, family: FamilyId, lookup: (id: string) => DeviceRecord | undefined): DeviceRecord | null {
  if (family === station.family) return station;
  for (const id of station.hj212?.colocated ?? []) {
    const device = lookup(id);
    if (device && device.family === family && !device.disabled) return device;
  }
  return null;
}

/** When the data is from: DataTime in the station's zone (Beijing time unless registered otherwise), within the ingest's age limits; real-time data without one is from now. */
function timeOf(packet: Packet, interval: DataInterval, receivedAtMs: number, limits: TimeLimits, utcOffsetMinutes: number | undefined): number | { code: ErrorCode; message: string } {
  const text = packet.cp.find((item) => item.code === 'DataTime' && item.suffix === '')?.value;
  if (text === undefined) return interval === 'rtd' ? receivedAtMs : { code: 'WX_ERR_MISSING_FIELD', message: `CN=${packet.cn} without DataTime: the interval it covers is unknown` };
  const timeMs = parseDataTime(text, utcOffsetMinutes);
  if (timeMs === null) return { code: 'WX_ERR_BAD_TIMESTAMP', message: `DataTime=${text.slice(0, 20)} is not YYYYMMDDhhmmss` };
  const checked = withinLimits(timeMs, receivedAtMs, limits);
  return checked.ok ? checked.timeMs : { code: checked.code, message: `DataTime=${text}: ${checked.message}` };
}

/**
 * An authenticated packet as records for the spool (issue 20, items 3 and 4): each factor
 * code mapped to its family's field through the one mapping every door uses, values range-
 * checked as the family says, flags kept beside the values, real-time values in the family's
 * measurement and the station's own minute/hour/day values apart. Pure: no I/O, no clock.
 */
export function takePacket(packet: Packet, station: DeviceRecord, lookup: (id: string) => DeviceRecord | undefined, receivedAtMs: number, limits: TimeLimits): StationIntake {
  const interval = intervalOfCn[packet.cn ?? ''] ?? null;
  const refusals: StationRecord['refusals'] = [];
  // An upload without measurements of an interval: its items are kept raw under the station (intervals.ts, cpNotKept).
  if (interval === null) return { interval, records: [], unknown: [], raw: cpNotKept.has(packet.cn ?? '') ? [] : keepable(packet.cp, refusals), refused: null, refusals };
  const timeMs = timeOf(packet, interval, receivedAtMs, limits, station.hj212?.utcOffsetMinutes);
  if (typeof timeMs !== 'number') return { interval, records: [], unknown: [], raw: [], refused: timeMs, refusals };
  const mapping = mappingOf(station);
  const groups = new Map<string, Group>();
  const unknown: CpItem[] = [];
  const main = mainSuffixes[interval];
  const stats = statSuffixes[interval];
  for (const item of packet.cp) {
    if (item.suffix === '' || ignoredSuffixes.has(item.suffix)) continue; // DataTime, PolId, …: not factors
    const field = mapping.field(item.code);
    const device = field && targetOf(station, field.family, lookup);
    const stat = stats[item.suffix];
    const text = textSuffixes[item.suffix];
    if (!field || !device || (item.suffix !== 'Flag' && !main.includes(item.suffix) && stat === undefined && text === undefined)) {
      if (itemHasLineBreak(item)) refusals.push(lineBreakRefusal(item));
      else unknown.push(item);
      continue;
    }
    let group = groups.get(device.id);
    if (!group) groups.set(device.id, (group = { device, fields: new Map(), refusals: [] }));
    let values = group.fields.get(field.key);
    if (!values) group.fields.set(field.key, (values = {}));
    if (item.suffix === 'Flag' || text !== undefined) {
      const kept = item.value.slice(0, item.suffix === 'Flag' ? 4 : 32);
      if (hasLineBreak(kept)) group.refusals.push(lineBreakRefusal(item, kept));
      // An empty `-Flag=` is no flag, as an empty value is no value: stored, it showed as a vendor's letter.
      else if (item.suffix === 'Flag') {
        if (kept !== '') values.flag = kept;
      }
      else if (kept !== '') (values.text ??= {})[text!] = kept;
      continue;
    }
    if (item.value === '') continue; // an empty value (srdgame: "avoid empty cou value"): nothing measured
    const number = numberOf(item.value);
    if (number === null) {
      group.refusals.push({ code: 'WX_ERR_WRONG_TYPE', message: `${item.code}-${item.suffix}=${item.value.slice(0, 20)} is not a number` });
      continue;
    }
    const scaled = number * field.factor;
    // `1e400`, or a value the unit factor takes past the doubles: refused alone. Kept, it failed the
    // line protocol of the whole record, the device's good values with it, answered 9014 (red team 8).
    if (!Number.isFinite(scaled)) {
      group.refusals.push({ code: 'WX_ERR_OUT_OF_RANGE', message: `${item.code}-${item.suffix}=${item.value.slice(0, 40)} is not a finite number${field.factor === 1 ? '' : ` once in ${field.family} units`}` });
      continue;
    }
    if (stat === undefined) values.value = scaled;
    else (values.stats ??= {})[stat] = scaled;
  }
  const records = [...groups.values()].map((group) => recordOf(group, interval, timeMs, receivedAtMs));
  return { interval, timeMs, records, unknown, raw: [], refused: null, refusals };
}

/**
 * A field's companion names (`<field>_invalid`, `_flag`, `_min`, …), made once a family field
 * rather than concatenated a packet: the same string objects each time, so the encoder's key
 * cache finds them without hashing new text.
 */
interface FieldNames {
  readonly invalid: string;
  readonly flag: string;
  readonly stat: Readonly<Record<string, string>>;
  readonly text: Readonly<Record<string, string>>;
}
const fieldNames = new WeakMap<FieldSpec, FieldNames>();
function namesOf(spec: FieldSpec): FieldNames {
  let names = fieldNames.get(spec);
  if (names === undefined) {
    const stat = Object.fromEntries(statNames.map((name) => [name, `${spec.field}_${name}`]));
    const text = Object.fromEntries(Object.values(textSuffixes).map((name) => [name, `${spec.field}_${name}`]));
    fieldNames.set(spec, (names = { invalid: `${spec.field}_invalid`, flag: `${spec.field}_flag`, stat, text }));
  }
  return names;
}

function recordOf(group: Group, interval: DataInterval, timeMs: number, receivedAtMs: number): StationRecord {
  const { device, refusals } = group;
  const family = families[device.family];
  const specs = family.fields as Record<string, FieldSpec>;
  const fields: StationField[] = [];
  const values: Record<string, number> = {};
  for (const [key, sent] of group.fields) {
    const spec = specs[key]!;
    const names = namesOf(spec);
    const verdict = flagVerdict(sent.flag);
    // A value the instrument flags invalid is kept apart whatever it is (a zero calibration reads
    // below 0): the family's range guards what the rollups use, and they never use it. Any other
    // value outside the range is refused, its flag still kept (audit: a T above the range and a
    // C below 0 were refused and their flags lost, so the review page showed nothing).
    if (sent.value !== undefined && verdict !== 'invalid' && !inRange(spec, sent.value)) {
      refusals.push({ code: 'WX_ERR_OUT_OF_RANGE', message: `${key}=${sent.value} is outside ${spec.min}…${spec.max}${sent.flag === undefined ? '' : ` (flag ${sent.flag})`}` });
      if (sent.flag !== undefined) fields.push([names.flag, sent.flag, 'string']);
      continue;
    }
    if (sent.value !== undefined) {
      if (verdict === 'invalid') fields.push([names.invalid, sent.value, 'float']);
      else {
        fields.push([spec.field, sent.value, spec.type]);
        values[key] = sent.value;
      }
    }
    if (sent.stats) {
      for (const stat in sent.stats) {
        const statValue = sent.stats[stat]!;
        // A period's lowest and highest are readings of the same quantity: the family's range holds
        // them as it holds the average (a Max of -5 µg/m³ reached the review page as it came).
        if ((stat === 'min' || stat === 'max') && verdict !== 'invalid' && !inRange(spec, statValue)) {
          refusals.push({ code: 'WX_ERR_OUT_OF_RANGE', message: `${key}_${stat}=${statValue} is outside ${spec.min}…${spec.max}` });
          continue;
        }
        fields.push([names.stat[stat] ?? `${spec.field}_${stat}`, statValue, 'float']);
      }
    }
    if (sent.text) for (const text in sent.text) fields.push([names.text[text] ?? `${spec.field}_${text}`, sent.text[text]!, 'string']);
    if (sent.flag !== undefined) fields.push([names.flag, sent.flag, 'string']);
  }
  const inconsistency = interval === 'rtd' ? family.inconsistency?.(values) : null;
  if (inconsistency) return { device, lines: [], readings: [], refusals: [...refusals, { code: 'WX_ERR_INCONSISTENT_VALUES', message: inconsistency }] };
  if (fields.length === 0) return { device, lines: [], readings: [], refusals };
  fields.push(['recv_lag_ms', receivedAtMs - timeMs, 'int']);
  const measurement = interval === 'rtd' ? family.measurement : intervalMeasurement(family.measurement);
  try {
    const line = encodeStationLine(device, measurement, interval, fields, timeMs);
    const readings: Reading[] = interval === 'rtd' && Object.keys(values).length > 0 ? [{ family: device.family, deviceId: device.id, timeMs, receivedAtMs, values }] : [];
    return { device, lines: [line], readings, refusals };
  } catch (error) {
    if (!isWanxiangError(error)) throw error;
    return { device, lines: [], readings: [], refusals: [...refusals, { code: error.code, message: error.message }] };
  }
}

/** The line keeping a packet's unknown items raw under its station (bounded: the frame is at most the length cap). */
export function unknownLine(station: DeviceRecord, packet: Packet, items: readonly CpItem[], interval: DataInterval | null, receivedAtMs: number): string {
  const text = items.map((item) => (item.suffix ? `${item.code}-${item.suffix}=${item.value}` : `${item.code}=${item.value}`)).join(';');
  return encodeStationLine(station, unknownMeasurement, interval ?? 'other', [['items', text, 'string'], ['cn', packet.cn ?? '', 'string'], ['st', packet.st ?? '', 'string'], ['recv_lag_ms', 0, 'int']], receivedAtMs);
}

/**
 * What a packet's intake puts in the spool: its devices' records (the intake's own array, added
 * to only when something was refused or kept raw: one copy fewer a packet), the raw items kept
 * under the station at `keptAtMs`, and the station's own refusals as one record (the whole
 * packet's data, or single values: a line break in a text). A header value the store cannot keep
 * (a CR in CN or ST) refuses the raw items; the packet's data is still stored and answered.
 */
export function intakeRecords(intake: StationIntake, station: DeviceRecord, packet: Packet, keptAtMs: number): StationRecord[] {
  const records = intake.records;
  const refusals = intake.refused ? [intake.refused, ...intake.refusals] : intake.refusals;
  const kept = intake.unknown.length > 0 ? intake.unknown : intake.raw;
  if (kept.length > 0) {
    try {
      records.push({ device: station, lines: [unknownLine(station, packet, kept, intake.interval, keptAtMs)], readings: [], refusals: [] });
    } catch (error) {
      if (!isWanxiangError(error)) throw error;
      refusals.push({ code: error.code, message: error.message.slice(0, 300) });
    }
  }
  if (refusals.length > 0) records.push({ device: station, lines: [], readings: [], refusals });
  return records;
}
