import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deviceReportIntervalMs } from '../../../services/registry/report-interval.ts';
import { deviceSchema, type DeviceRecord } from '../../../services/registry/registry-schema.ts';
import { airRollup } from '../../../services/rollups/air-rollup.ts';
import { noiseRollup } from '../../../services/rollups/noise-rollup.ts';
import { dayWindow, dayOf, type RawRow } from '../../../services/rollups/rollup-types.ts';
import { expectedSamplingMinutes, samplingMinutesByDevice } from '../../../services/rollups/sampling-interval.ts';
import type { Point } from '../../../services/storage/line-protocol.ts';

// Issue 22 item 5: coverage counts the readings against the device's registered interval.
const seeds = JSON.parse(readFileSync('seeds/devices.json', 'utf8')) as { devices: DeviceRecord[] };
const seededAir = seeds.devices.find((device) => device.family === 'air')!;
const seededNoise = seeds.devices.find((device) => device.family === 'noise')!;
// The same devices as if they registered no interval: the cases below set one where they need it.
const { reportIntervalMs: _airInterval, ...air } = seededAir;
const { reportIntervalMs: _noiseInterval, ...noise } = seededNoise;
const minute = 60_000;
const hourMs = 60 * minute;
const window = dayWindow(dayOf(Date.parse('2025-06-02T12:00:00+08:00')));

/** Readings every `stepMs` from `fromMs`, `count` of them. */
const readings = (fromMs: number, stepMs: number, count: number, fields: Record<string, number>): RawRow[] =>
  Array.from({ length: count }, (_, i) => ({ time: fromMs + i * stepMs, fields }));

/** The air_hourly point of the hour starting `hoursIntoDay` hours into the window's day. */
function hourPoint(points: readonly Point[], device: string, hoursIntoDay: number) {
  const point = points.find((p) => p.measurement === 'air_hourly' && p.tags.device === device && p.timeMs === window.startMs + (hoursIntoDay + 1) * hourMs)!;
  return Object.fromEntries(point.fields.map(([name, value]) => [name, value]));
}

function computeAir(devices: DeviceRecord[], rows: Map<string, RawRow[]>) {
  return airRollup.compute(window, rows, devices, { samplingMinutes: samplingMinutesByDevice(devices, rows) });
}

describe('the expected count of readings comes from the registered interval', () => {
  it('takes a device’s registered interval, else its family’s, as its report interval', () => {
    expect(deviceReportIntervalMs(air)).toBe(60_000);
    expect(deviceReportIntervalMs({ ...air, reportIntervalMs: 5 * minute })).toBe(5 * minute);
  });

  it('has the seeded stations declare their intervals: air and noise 5 min, water 4 h (issue 22 item 9)', () => {
    const byFamily = (family: string) => new Set(seeds.devices.filter((device) => device.family === family).map((device) => device.reportIntervalMs));
    expect(byFamily('air')).toEqual(new Set([5 * minute]));
    expect(byFamily('noise')).toEqual(new Set([5 * minute]));
    expect(byFamily('water')).toEqual(new Set([4 * hourMs]));
  });

  it('never lets a reading of a device sending faster than registered stand for more than the gap to the next', () => {
    // The demo fleet sends every 5 s: ten minutes of it are ten minutes, not 120 × 5.
    const fast = readings(window.startMs + 9 * hourMs, 5_000, 120, { pm25_ugm3: 30 });
    expect(expectedSamplingMinutes({ reportIntervalMs: 5 * minute }, fast)).toBeCloseTo(5 / 60, 9);
    expect(hourPoint(computeAir([seededAir], new Map([[seededAir.id, fast]])), seededAir.id, 9)).toMatchObject({ coverage_min: 10, valid: 0 });
  });

  it('accepts an interval in the registry and refuses nonsense there', () => {
    expect(deviceSchema.safeParse({ ...air, reportIntervalMs: 300_000 }).success).toBe(true);
    for (const bad of [0, 999, 1.5e3 + 0.5, 86_400_001, '300000', -60_000]) expect(deviceSchema.safeParse({ ...air, reportIntervalMs: bad }).success, String(bad)).toBe(false);
  });

  it('counts minutes from the registered interval, not from the gaps the data shows', () => {
    const everyOtherMinute = readings(0, 2 * minute, 30, { pm25_ugm3: 30 });
    // Inferred, every other reading lost looks like a 2-minute device; registered at 1 min it is not.
    expect(expectedSamplingMinutes({}, everyOtherMinute)).toBe(2);
    expect(expectedSamplingMinutes({ reportIntervalMs: minute }, everyOtherMinute)).toBe(1);
    expect(expectedSamplingMinutes({ reportIntervalMs: hourMs }, [])).toBe(60);
    expect(samplingMinutesByDevice([air], new Map()).get(air.id)).toBe(60); // no rows, no interval: one an hour, as before
  });

  it('judges a 5-minute station’s hour of 12 readings valid and one of 8 invalid (GB 3095 Table 4: 45 min)', () => {
    const station = { ...air, id: 'air-five', reportIntervalMs: 5 * minute };
    const start = window.startMs;
    const rows = new Map([[station.id, [
      ...readings(start + 9 * hourMs, 5 * minute, 12, { pm25_ugm3: 40 }), // 09-10: 12 × 5 = 60 min
      ...readings(start + 10 * hourMs, 5 * minute, 8, { pm25_ugm3: 40 }), // 10-11: 8 × 5 = 40 min
      ...readings(start + 11 * hourMs, 5 * minute, 9, { pm25_ugm3: 40 }), // 11-12: 9 × 5 = 45 min, just valid
    ]]]);
    const points = computeAir([station], rows);
    expect(hourPoint(points, station.id, 9)).toMatchObject({ coverage_min: 60, valid: 1, pm25_ugm3: 40 });
    expect(hourPoint(points, station.id, 10)).toMatchObject({ coverage_min: 40, valid: 0 });
    expect(hourPoint(points, station.id, 11)).toMatchObject({ coverage_min: 45, valid: 1 });
    // The same readings from a station registered at 1 min: 12 minutes of 60, not an hour.
    const oneMinute = { ...station, id: 'air-one', reportIntervalMs: minute };
    const counted = computeAir([oneMinute], new Map([[oneMinute.id, rows.get(station.id)!]]));
    expect(hourPoint(counted, oneMinute.id, 9)).toMatchObject({ coverage_min: 12, valid: 0 });
  });

  it('leaves a 1-minute station’s half-empty hour invalid when every other reading is lost', () => {
    const registered = { ...air, id: 'air-registered', reportIntervalMs: minute };
    const inferred = { ...air, id: 'air-inferred' };
    const rows = readings(window.startMs, 2 * minute, 720, { pm25_ugm3: 25 });
    const points = computeAir([registered, inferred], new Map([[registered.id, rows], [inferred.id, rows]]));
    expect(hourPoint(points, registered.id, 3)).toMatchObject({ coverage_min: 30, valid: 0 });
    // Without a registered interval the gaps are taken as the interval (a backfill at 5 min relies on it).
    expect(hourPoint(points, inferred.id, 3)).toMatchObject({ coverage_min: 60, valid: 1 });
  });

  it('counts a noise night against the monitor’s registered interval (75 %, HJ 906-2017 §3.1)', () => {
    const monitor = { ...noise, reportIntervalMs: minute };
    // 22:00-06:00 every other minute: 240 readings of the 480 a 1-minute monitor sends.
    const rows = new Map([[monitor.id, readings(window.startMs + 22 * hourMs, 2 * minute, 240, { leq_dba: 50, lmax_dba: 60 })]]);
    const [point] = noiseRollup.compute(window, rows, [monitor], { samplingMinutes: samplingMinutesByDevice([monitor], rows) });
    const fields = Object.fromEntries(point!.fields.map(([name, value]) => [name, value]));
    expect(fields).toMatchObject({ night_points: 240, night_coverage: 0.5, night_complete: 0 });
    expect(fields.night_exceeds).toBeUndefined();
  });
});
