import { getFamily, type FieldSpec } from '../services/families/index.ts';
import { BEIJING_OFFSET_MS, HOUR_MS } from '../services/standards/beijing-time.ts';
import { energyAverage } from '../services/standards/index.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { encodeFrame } from '../services/hj212/reply.ts';

/**
 * What a simulated station sends (issue 20, item 5), built as HJ 212-2017 says: real-time
 * data CN=2011 (Appendix C.15) and hourly data CN=2061 with the answer bit (C.17), every
 * factor by its family's HJ 212 code, values in the standard's unit (the family's factor
 * undone), `DataTime` of an hour its START, Beijing time.
 */

/** 2017 packets: version 1 in Flag bits 7-2; bit 0 asks for an answer (HJ 212-2017 §6.3.2). */
export const flagNoAnswer = 4;
export const flagAnswer = 5;

/** `YYYYMMDDhhmmss` (or with `zzz` milliseconds: a QN) in Beijing time. */
export function beijingStamp(timeMs: number, withMs = false): string {
  const text = new Date(timeMs + BEIJING_OFFSET_MS).toISOString().replace(/\D/g, '');
  return withMs ? text.slice(0, 17) : text.slice(0, 14);
}

/** Families that can speak HJ 212: those whose fields name a code and that have a system code ST. */
export function speaksHj212(family: DeviceRecord['family']): boolean {
  const definition = getFamily(family);
  return definition.hj212System !== undefined && Object.values(definition.fields).some((spec) => spec.hj212 !== undefined);
}

const codedFields = (device: DeviceRecord): Array<[string, FieldSpec & { hj212: string }]> =>
  Object.entries(getFamily(device.family).fields).filter((entry): entry is [string, FieldSpec & { hj212: string }] => entry[1].hj212 !== undefined);

// A value in the standard's unit, as few digits as it needs (a station prints N3.3 and the like).
const sent = (value: number, spec: FieldSpec) => String(Number((value / (spec.hj212Factor ?? 1)).toFixed(3)));

export interface StationPacket {
  readonly qn: string;
  readonly frame: Buffer;
}

function packet(device: DeviceRecord, pw: string, sentAtMs: number, cn: string, flag: number, cp: string): StationPacket {
  const qn = beijingStamp(sentAtMs, true);
  const st = getFamily(device.family).hj212System ?? '22';
  return { qn, frame: encodeFrame(`QN=${qn};ST=${st};CN=${cn};PW=${pw};MN=${device.hj212!.mn};Flag=${flag};CP=&&${cp}&&`) };
}

/** A real-time packet (2011) of one reading, no answer wanted. */
export function realtimePacket(device: DeviceRecord, pw: string, values: Readonly<Record<string, number>>, timeMs: number, sentAtMs = timeMs): StationPacket {
  const items = codedFields(device).filter(([key]) => values[key] !== undefined).map(([key, spec]) => `${spec.hj212}-Rtd=${sent(values[key]!, spec)},${spec.hj212}-Flag=N`);
  return packet(device, pw, sentAtMs, '2011', flagNoAnswer, [`DataTime=${beijingStamp(timeMs)}`, ...items].join(';'));
}

/** A family's fields in dB(A): an hour of them is their energy average (GB 3096-2008 Annex C), never their arithmetic mean. */
export const decibelKeys = (device: DeviceRecord): ReadonlySet<string> =>
  new Set(Object.entries(getFamily(device.family).fields).filter(([, spec]) => spec.unit === 'dB(A)').map(([key]) => key));

/** The readings of one hour as Avg/Min/Max per factor; `levels` (dB) averaged by their energy, as a noise station's Leq-Data is. */
export function hourStatistics(readings: ReadonlyArray<Readonly<Record<string, number>>>, levels: ReadonlySet<string> = new Set()): Record<string, { avg: number; min: number; max: number }> {
  const out: Record<string, { avg: number; min: number; max: number }> = {};
  const keys = new Set(readings.flatMap((reading) => Object.keys(reading)));
  for (const key of keys) {
    const values = readings.map((reading) => reading[key]).filter((value): value is number => value !== undefined);
    const avg = levels.has(key) ? energyAverage(values)! : values.reduce((sum, value) => sum + value, 0) / values.length;
    out[key] = { avg, min: Math.min(...values), max: Math.max(...values) };
  }
  return out;
}

/** An hourly packet (2061) of the hour starting at `hourStartMs`, the answer bit set. */
export function hourPacket(device: DeviceRecord, pw: string, statistics: ReturnType<typeof hourStatistics>, hourStartMs: number, sentAtMs: number): StationPacket {
  const items = codedFields(device).filter(([key]) => statistics[key] !== undefined).map(([key, spec]) => {
    const { avg, min, max } = statistics[key]!;
    return `${spec.hj212}-Avg=${sent(avg, spec)},${spec.hj212}-Min=${sent(min, spec)},${spec.hj212}-Max=${sent(max, spec)},${spec.hj212}-Flag=N`;
  });
  return packet(device, pw, sentAtMs, '2061', flagAnswer, [`DataTime=${beijingStamp(hourStartMs)}`, ...items].join(';'));
}

/** The start of the last hour that has ended by `timeMs` (Beijing hours are whole UTC hours). */
export const lastCompleteHourStart = (timeMs: number) => Math.floor(timeMs / HOUR_MS) * HOUR_MS - HOUR_MS;
