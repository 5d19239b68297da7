import type { FamilyId } from '../families/index.ts';
import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { deviceReportIntervalMs } from '../registry/report-interval.ts';

export type Freshness = 'fresh' | 'late' | 'silent';

// Late after two report intervals without a reading; silent after three, as the alarm rule for a
// silent device counts them (issue 8: "a device silent for 3 of its report intervals").
export const LATE_AFTER_INTERVALS = 2;
export const SILENT_AFTER_INTERVALS = 3;

/**
 * fresh / late / silent from the age of the last reading and the device's report interval: its
 * registered `reportIntervalMs` (registry/report-interval.ts) where it has one, its family's
 * otherwise (issue 22: an HJ 212 station set to report hourly is not late after 2 minutes, and one
 * set to 1 min is late after 2 minutes even in a family that reports every 5).
 */
export function freshnessAfter(reportIntervalMs: number, ageMs: number | null): Freshness {
  if (ageMs === null) return 'silent';
  if (ageMs > SILENT_AFTER_INTERVALS * reportIntervalMs) return 'silent';
  return ageMs > LATE_AFTER_INTERVALS * reportIntervalMs ? 'late' : 'fresh';
}

/** fresh / late / silent against the family's report interval (a device that registers none). */
export function freshnessOf(family: FamilyId, ageMs: number | null): Freshness {
  return freshnessAfter(getFamily(family).reportIntervalMs, ageMs);
}

/**
 * The interval a device is judged late and silent by on the wall: its registered one, unless it
 * shows it reports more often (the demo fleet's air stations, registered at 5 min as real ones
 * send, report every 5 s: a stopped one went grey only after 10 min). Then the gap it shows, but
 * never below its family's interval, so a burst of readings does not make it late after seconds.
 */
export function judgedIntervalMs(device: Pick<DeviceRecord, 'family' | 'reportIntervalMs'>, observedGapMs: number | undefined): number {
  const registered = deviceReportIntervalMs(device);
  if (observedGapMs === undefined || device.reportIntervalMs === undefined) return registered;
  return Math.min(registered, Math.max(observedGapMs, getFamily(device.family).reportIntervalMs));
}
