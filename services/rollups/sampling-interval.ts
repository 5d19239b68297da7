import type { DeviceRecord } from '../registry/registry-schema.ts';
import { samplingMinutes, type RawRow } from './rollup-types.ts';

/**
 * The minutes one reading of a device stands for when coverage is counted (GB 3095 Table 4: 45
 * minutes an hour; HJ 906-2017 §3.1: 75 % of a noise night). A device whose registry entry declares
 * its report interval (`reportIntervalMs`, an HJ 212 station set to 1 min, 5 min or 1 h) is counted
 * against it, so the readings that did not arrive leave its hour short: an interval inferred from
 * the data doubles when every other reading is lost, and a half-empty hour counted as complete
 * (issue 22 item 5). A device that declares none keeps the interval its readings show (the median
 * gap): history stored at another step than the family's live one (a backfill at 5 min, hourly
 * records) would count short against the family's default, while that device's live readings
 * arrive at the family's interval and infer it. The seeded stations declare theirs (seeds/devices.json:
 * air and noise 5 min, water 4 h; issue 22 item 9).
 */
export function expectedSamplingMinutes(device: Pick<DeviceRecord, 'reportIntervalMs'>, rows: readonly RawRow[]): number {
  if (device.reportIntervalMs === undefined) return samplingMinutes(rows);
  // A reading never stands for more than the registered interval (lost readings leave the hour short),
  // nor for more than the readings' own spacing: a device sending faster than registered (the demo fleet
  // every 5 s) would otherwise fill an hour with a few minutes of readings.
  return Math.min(device.reportIntervalMs / 60_000, samplingMinutes(rows));
}

/** Each device's minutes per reading, taken from its rows before review marks take any out. */
export function samplingMinutesByDevice(devices: readonly DeviceRecord[], rows: ReadonlyMap<string, readonly RawRow[]>): Map<string, number> {
  return new Map(devices.map((device) => [device.id, expectedSamplingMinutes(device, rows.get(device.id) ?? [])]));
}
