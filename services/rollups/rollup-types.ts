import type { StationHours } from './station-hours.ts';
import type { FamilyId } from '../families/index.ts';
import { DAY_MS, beijingDayNumber, beijingDayStartMs } from '../standards/beijing-time.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { Point } from '../storage/line-protocol.ts';

/** One raw reading as read back from InfluxDB: time and fields by InfluxDB field name. */
export interface RawRow {
  readonly time: number;
  readonly fields: Readonly<Record<string, number>>;
}

export interface DayWindow {
  /** Days since the epoch in Beijing time. */
  readonly day: number;
  /** 00:00 Beijing time of that day, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
}

export interface FamilyRollup {
  readonly family: FamilyId;
  /** The raw range a day's rollup needs (moving means and nights reach past the day). */
  rawRange(window: DayWindow): { fromMs: number; toMs: number };
  /** Other days whose rollups a reading on `day` changes too. */
  alsoDirty(day: number): number[];
  /** How far after a reading the points it changes may lie: the day that instant falls on is recomputed too. */
  readonly dirtyAheadMs?: number;
  /** Pure: the rollup points of one day from the raw rows of every device of the family. */
  compute(window: DayWindow, rows: ReadonlyMap<string, readonly RawRow[]>, devices: readonly DeviceRecord[], context?: RollupContext): Point[];
  /**
   * The measurements it writes for the registry's devices (their `_unreviewed` twins aside): the rollup
   * schema's migration gives their stored points the list of their fields (fields-present-stamp.ts).
   */
  measurements(devices: readonly DeviceRecord[]): string[];
  /**
   * Where a window's points lie, per measurement compute() writes: a stored point there that the
   * recomputation no longer yields (an event merged into the one before, a device's old tags) is stale,
   * and the engine writes its tombstone (stale-points.ts). A measurement's spans tile time across
   * windows, so no window judges another's points. `registered`: the registry's devices, all families.
   */
  spans(window: DayWindow, registered: readonly DeviceRecord[]): RollupSpan[];
  /** The family's stations may send their own hourly values (HJ 212 2061), which then take the place of ours. */
  readonly usesStationHours?: boolean;
}

/** The time span [fromMs, toMs) of a measurement whose points one window's recomputation answers for. */
export interface RollupSpan {
  readonly measurement: string;
  readonly fromMs: number;
  readonly toMs: number;
  /**
   * Written alike by every day of a longer period (a section's month, which each of its days writes):
   * swept once a run, after all its days, with every point they yielded (two days computed at once
   * would each take the other's new point for stale).
   */
  readonly shared?: boolean;
}

/** The day's own span of each measurement: its points lie within [startMs, endMs). */
export const daySpans = (window: DayWindow, measurements: readonly string[]): RollupSpan[] =>
  measurements.map((measurement) => ({ measurement, fromMs: window.startMs, toMs: window.endMs }));

/** What a rollup is told beside the rows. */
export interface RollupContext {
  /**
   * A device's sampling interval in minutes: its registered interval, else the one its readings show
   * before review marks removed any (sampling-interval.ts): coverage counts what is left against the
   * interval the device really reports at, so marked (or missing) readings leave an hour short
   * instead of widening the interval (issue 22 item 5).
   */
  readonly samplingMinutes?: ReadonlyMap<string, number>;
  /** The stations' own hourly values (HJ 212 2061) by device, for families that use them. */
  readonly stationHours?: StationHours;
}

export const dayMs = DAY_MS;

/** The rollup window (Beijing day number) of an instant. */
export const dayOf = (timeMs: number) => beijingDayNumber(timeMs);
export function dayWindow(day: number): DayWindow {
  const startMs = beijingDayStartMs(day);
  return { day, startMs, endMs: startMs + dayMs };
}

/** Rows of [from, to), split into consecutive buckets of `sizeMs` starting at `from`. */
export function bucketRows(rows: readonly RawRow[], fromMs: number, toMs: number, sizeMs: number): RawRow[][] {
  const buckets: RawRow[][] = Array.from({ length: Math.ceil((toMs - fromMs) / sizeMs) }, () => []);
  for (const row of rows) {
    if (row.time < fromMs || row.time >= toMs) continue;
    buckets[Math.floor((row.time - fromMs) / sizeMs)]!.push(row);
  }
  return buckets;
}

export function meanOf(rows: readonly RawRow[], field: string): number | null {
  let sum = 0;
  let count = 0;
  for (const row of rows) {
    const value = row.fields[field];
    if (value === undefined || value === null) continue;
    sum += value;
    count += 1;
  }
  return count ? sum / count : null;
}

/**
 * The interval a device's readings show, in minutes: the median gap between them, so an hour's
 * coverage can be judged for 1-minute live data and 5-minute history alike. Used for a device
 * whose registry entry declares no interval (sampling-interval.ts).
 */
export function samplingMinutes(rows: readonly RawRow[]): number {
  if (rows.length < 2) return 60;
  const gaps = rows.slice(1).map((row, i) => row.time - rows[i]!.time).filter((gap) => gap > 0).sort((a, b) => a - b);
  return gaps.length ? Math.min(60, Math.max(1 / 60, gaps[Math.floor(gaps.length / 2)]! / 60_000)) : 60;
}
