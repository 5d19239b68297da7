import { describe, expect, it } from 'vitest';
import { getFamily } from '../../../services/families/index.ts';
import { loadRegistryFile } from '../../../services/registry/device-registry.ts';
import { moduleRollup } from '../../../services/rollups/module-rollup.ts';
import { dayOf, dayWindow, type RawRow } from '../../../services/rollups/rollup-types.ts';
import { generateReading } from '../../../simulators/generate-reading.ts';

const MINUTE = 60_000;

/** Issue 25, item 4: the daily rollups the two family modules declare, run as the rollup engine runs them. */
describe('the waterlogging and EV-charging rollups', async () => {
  const registry = await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname);
  // The staged storm of a run that started at 14:00 on a December day: rain and flooding that afternoon.
  const runStartMs = Date.parse('2026-12-06T14:00:00+08:00');
  const window = dayWindow(dayOf(runStartMs));
  const rowsOf = (family: 'waterlogging' | 'ev_charging', stepMs: number, dropHour?: number) => {
    const spec = getFamily(family);
    const rows = new Map<string, RawRow[]>();
    for (const device of registry.devices.filter((d) => d.family === family)) {
      const list: RawRow[] = [];
      for (let time = window.startMs; time < window.endMs; time += stepMs) {
        if (dropHour !== undefined && Math.floor((time - window.startMs) / 3_600_000) === dropHour && (time / MINUTE) % 5 !== 0) continue;
        const values = generateReading(2025, device, time, { intervalMs: stepMs, runStartMs });
        const fields: Record<string, number> = {};
        for (const [key, value] of Object.entries(values)) fields[spec.fields[key]!.field] = value;
        list.push({ time, fields });
      }
      rows.set(device.id, list);
    }
    return rows;
  };

  it('gives each rain gauge its hourly and daily rain, an hour with too few readings marked invalid', () => {
    const rollup = moduleRollup('waterlogging')!;
    const devices = registry.devices.filter((d) => d.family === 'waterlogging');
    // One-minute readings; at 03:00 only one in five arrives (12 minutes of data: not a valid hour).
    const rows = rowsOf('waterlogging', MINUTE, 3);
    const points = rollup.compute(window, rows, devices, { samplingMinutes: new Map(devices.map((d) => [d.id, 1])) });
    const of = (device: string, measurement: string) => points.filter((p) => p.tags.device === device && p.measurement === measurement);
    const field = (point: (typeof points)[number] | undefined, name: string) => point?.fields.find(([n]) => n === name)?.[1];
    const cuizhuDay = of('waterlogging-rain-cuizhu', 'waterlogging_daily')[0];
    expect(field(cuizhuDay, 'rain_mm') as number).toBeGreaterThan(100);
    expect(field(cuizhuDay, 'valid_hours')).toBe(23);
    const hours = of('waterlogging-rain-cuizhu', 'waterlogging_hourly');
    expect(hours).toHaveLength(24);
    expect(field(hours[3], 'valid')).toBe(0);
    expect(field(hours[3], 'coverage_min')).toBe(12);
    // The hours add up to the day.
    const sum = hours.reduce((total, hour) => total + (field(hour, 'rain_mm') as number), 0);
    expect(sum).toBeCloseTo(field(cuizhuDay, 'rain_mm') as number, 1);
    expect(points.every((p) => p.fields.every(([, , type]) => type === 'float'))).toBe(true);
  });

  it('gives each low point its deepest water and its hours at or above caution and impassable', () => {
    const rollup = moduleRollup('waterlogging')!;
    const devices = registry.devices.filter((d) => d.family === 'waterlogging');
    const points = rollup.compute(window, rowsOf('waterlogging', MINUTE), devices, { samplingMinutes: new Map(devices.map((d) => [d.id, 1])) });
    const day = points.find((p) => p.tags.device === 'waterlogging-sungang-underpass' && p.measurement === 'waterlogging_daily')!;
    const field = (name: string) => day.fields.find(([n]) => n === name)?.[1] as number;
    expect(field('max_depth_cm')).toBeGreaterThan(27);
    expect(field('hours_caution')).toBeGreaterThan(field('hours_impassable'));
    expect(field('hours_impassable')).toBeGreaterThan(0);
    expect(field('hours_caution')).toBeLessThan(3);
    expect(field('coverage_pct')).toBe(100);
    // HJ-style validity (the real-InfluxDB cases: tests/integration/depth-validity.test.ts): 24 whole hours, a valid day.
    expect([field('valid'), field('valid_hours')]).toEqual([1, 24]);
    const hours = points.filter((p) => p.tags.device === 'waterlogging-sungang-underpass' && p.measurement === 'waterlogging_hourly');
    expect(hours).toHaveLength(24);
    expect(Math.max(...hours.map((p) => p.fields.find(([n]) => n === 'max_depth_cm')?.[1] as number))).toBe(field('max_depth_cm'));
  });

  it('gives a low point with too few readings a day marked invalid, with no depth figures (not 0)', () => {
    const rollup = moduleRollup('waterlogging')!;
    const devices = registry.devices.filter((d) => d.id === 'waterlogging-sungang-underpass');
    // Twelve hours of readings: 12 valid hours, fewer than the 20 a day needs.
    const rows = new Map([...rowsOf('waterlogging', MINUTE)].map(([id, list]) => [id, list.filter((row) => row.time < window.startMs + 12 * 3_600_000)]));
    const points = rollup.compute(window, rows, devices, { samplingMinutes: new Map([[devices[0]!.id, 1]]) });
    const day = Object.fromEntries(points.find((p) => p.measurement === 'waterlogging_daily')!.fields.map(([name, value]) => [name, value]));
    expect(day).toEqual({ coverage_pct: 50, valid_hours: 12, valid: 0 });
  });

  it('gives each charger its availability, fault rate and energy of the day, tagged with its station', () => {
    const rollup = moduleRollup('ev_charging')!;
    const devices = registry.devices.filter((d) => d.family === 'ev_charging');
    const all = rollup.compute(window, rowsOf('ev_charging', 5 * MINUTE), devices, { samplingMinutes: new Map(devices.map((d) => [d.id, 5])) });
    const points = all.filter((p) => p.measurement === 'ev_charging_daily');
    expect(points).toHaveLength(devices.length);
    // And each station's day, from its chargers' (issue 25 item 4; the months are the rollup engine's, tests/integration/family-months.test.ts).
    const stations = all.filter((p) => p.measurement === 'ev_charging_station_daily');
    expect(stations.map((p) => p.tags.station).sort()).toEqual([...new Set(devices.map((d) => String(d.attributes.station)))].sort());
    expect(stations.every((p) => p.fields.find(([n]) => n === 'readings')?.[1] === 288 * 4)).toBe(true);
    for (const point of points) {
      const field = (name: string) => point.fields.find(([n]) => n === name)?.[1] as number;
      expect(point.tags.station).toMatch(/^[a-z]+$/);
      // Each share is rounded to 0.01 %.
      expect(Math.abs(field('available_pct') + field('fault_pct') + field('offline_pct') - 100)).toBeLessThanOrEqual(0.02);
      expect(field('charging_pct')).toBeLessThanOrEqual(field('available_pct'));
      expect(field('readings')).toBe(288);
    }
    expect(points.some((p) => (p.fields.find(([n]) => n === 'fault_pct')?.[1] as number) > 0)).toBe(true);
  });
});
