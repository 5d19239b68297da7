import { MIN_NOISE_COVERAGE, energyAverage } from '../../standards/index.ts';
import { gridDailyMeasurement } from '../../rollups/grid-rollup.ts';
import { noiseDailyMeasurement } from '../../rollups/noise-rollup.ts';
import { parkingDailyMeasurement } from '../../rollups/parking-rollup.ts';
import { GRID_PRACTICE_BASIS, PARKING_SHARE_BASIS } from '../basis-names.ts';
import { elapsedDays, isoOf, queryRows, timeRange, type Rule } from './rule.ts';

/**
 * The plan's over-limit roads: each road's night Leq over the period (an energy average of
 * its nightly Leq, all nights being equally long), and the loudest road against 4a's 55
 * dB(A). Only complete nights count (coverage ≥ 75 %, noise-limits.ts MIN_NOISE_COVERAGE); the
 * others are shown with their coverage and left out. Enough data: half the nights elapsed at every road.
 */
export const trunkRoadNightLeq: Rule = async ({ influx, period, target, registry }) => {
  const roads = target.roads ?? [];
  // With each day's fields_present: a monitor's day under the road or zone it had before the registry changed is a tombstone (rollups/stale-points.ts).
  const query = `SELECT "night_leq_dba", "night_coverage", "night_complete", "fields_present" FROM "${noiseDailyMeasurement}" WHERE "zone" = '4a' AND ${timeRange(period)} GROUP BY "road"`;
  const measured = (await queryRows(influx, query)).filter((row) => roads.includes(String(row.road)) && row.night_leq_dba !== null);
  const rows = measured.filter((row) => row.night_complete === 1);
  const coverage = measured.map((row) => Number(row.night_coverage ?? 0));
  const perRoad = Object.fromEntries(
    roads.map((road) => [road, energyAverage(rows.filter((row) => row.road === road).map((row) => Number(row.night_leq_dba)))]),
  );
  const monitors = registry.devices.filter((device) => roads.includes(String(device.attributes.road))).length;
  const nightsNeeded = (elapsedDays(period) * Math.max(1, monitors)) / 2;
  const values = Object.values(perRoad).filter((value): value is number => value !== null);
  return {
    value: values.length ? Math.round(Math.max(...values) * 10) / 10 : null,
    completeness: Math.min(1, rows.length / (elapsedDays(period) * Math.max(1, monitors))),
    sufficient: values.length === roads.length && rows.length >= nightsNeeded,
    standards: ['GB 3096-2008'],
    provenance: [{ measurement: noiseDailyMeasurement, points: rows.length, from: isoOf(period.fromMs), to: isoOf(period.toMs), query }],
    details: {
      nightLeqByRoad: Object.fromEntries(Object.entries(perRoad).map(([road, leq]) => [road, leq === null ? null : Math.round(leq * 10) / 10])),
      coverageRule: `a night counts only with ≥ ${MIN_NOISE_COVERAGE * 100} % of its readings (HJ 906-2017 §3.1 valid-data rate)`,
      nightsComplete: rows.length,
      nightsIncomplete: measured.length - rows.length,
      meanNightCoverage: coverage.length ? Math.floor((coverage.reduce((a, b) => a + b, 0) / coverage.length) * 1_000) / 1_000 : null,
    },
  };
};

/** How the report counts heavy-load hours (README "Conventions the rollups follow"). */
export const HEAVY_LOAD_HOURS_DEFINITION =
  'heavy-load hours = number of 15-minute load-rate points at ≥ 80 % × 0.25 h (the 96-point daily curve), not hours whose hourly mean is ≥ 80 %';

/**
 * 专栏6: transformers with at least one sustained heavy-load event (≥ 80 % for ≥ 2 h) in the period.
 * Enough data: 80 % of the transformer-days elapsed; completeness is that same share.
 */
export const heavyLoadTransformers: Rule = async ({ influx, period, registry }) => {
  // Each day's point with its fields_present, summed here: a day a review mark emptied is a tombstone
  // whose old fields InfluxDB keeps (rollups/fields-present.ts), which an InfluxQL sum() would count (red team 11).
  const query = `SELECT "heavy_events", "heavy_hours", "points", "fields_present" FROM "${gridDailyMeasurement}" WHERE "level" = 'transformer' AND ${timeRange(period)} GROUP BY "device"`;
  const rows = perDevice(await queryRows(influx, query), ['heavy_events', 'heavy_hours', 'points']);
  const heavy = rows.filter((row) => row.heavy_events.sum > 0).map((row) => row.device).sort();
  const transformers = registry.devices.filter((device) => device.family === 'grid' && device.attributes.level === 'transformer').length;
  const dayCount = rows.reduce((sum, row) => sum + row.points.count, 0);
  const completeness = transformers === 0 ? 0 : Math.min(1, dayCount / (elapsedDays(period) * transformers));
  return {
    value: dayCount === 0 ? null : heavy.length,
    completeness,
    sufficient: dayCount > 0 && completeness >= 0.8,
    standards: [GRID_PRACTICE_BASIS.en],
    provenance: [{ measurement: gridDailyMeasurement, points: dayCount, from: isoOf(period.fromMs), to: isoOf(period.toMs), query }],
    details: { heavyTransformers: heavy, heavyLoadHours: rows.reduce((sum, row) => sum + row.heavy_hours.sum, 0), heavyLoadHoursDefinition: HEAVY_LOAD_HOURS_DEFINITION },
  };
};

/** Per device (and the other tags grouped by), each field's sum and count over the days it holds (a field not present counts nowhere). */
function perDevice<F extends string>(rows: ReadonlyArray<Record<string, unknown>>, fields: readonly F[], tags: readonly string[] = []): Array<{ device: string; tags: Record<string, string> } & Record<F, { sum: number; count: number }>> {
  const byKey = new Map<string, { device: string; tags: Record<string, string> } & Record<F, { sum: number; count: number }>>();
  for (const row of rows) {
    const device = String(row.device);
    const key = [device, ...tags.map((tag) => String(row[tag]))].join('\u0000');
    let entry = byKey.get(key);
    if (!entry) {
      entry = { device, tags: Object.fromEntries(tags.map((tag) => [tag, String(row[tag])])), ...Object.fromEntries(fields.map((field) => [field, { sum: 0, count: 0 }])) } as { device: string; tags: Record<string, string> } & Record<F, { sum: number; count: number }>;
      byKey.set(key, entry);
    }
    for (const field of fields) {
      const value = row[field];
      if (typeof value !== 'number') continue;
      entry[field].sum += value;
      entry[field].count += 1;
    }
  }
  return [...byKey.values()];
}

/** Off-peak sharing potential: the spaces each lot can promise on a typical day, summed over lots. */
export const shareableParking: Rule = async ({ influx, period, registry }) => {
  // Summed here from each day's point and its fields_present, as the grid's (a marked-out day is a tombstone).
  const query = `SELECT "shareable_offpeak_spaces", "fields_present" FROM "${parkingDailyMeasurement}" WHERE ${timeRange(period)} GROUP BY "device", "lot_kind"`;
  const rows = perDevice(await queryRows(influx, query), ['shareable_offpeak_spaces'], ['lot_kind']).filter((row) => row.shareable_offpeak_spaces.count > 0);
  const byKind: Record<string, number> = {};
  for (const row of rows) byKind[row.tags.lot_kind!] = (byKind[row.tags.lot_kind!] ?? 0) + Math.round(row.shareable_offpeak_spaces.sum / row.shareable_offpeak_spaces.count);
  const lots = registry.devices.filter((device) => device.family === 'parking').length;
  const dayCount = rows.reduce((sum, row) => sum + row.shareable_offpeak_spaces.count, 0);
  return {
    value: rows.length ? Object.values(byKind).reduce((a, b) => a + b, 0) : null,
    completeness: Math.min(1, dayCount / (elapsedDays(period) * Math.max(1, lots))),
    sufficient: dayCount >= 0.5 * elapsedDays(period) * lots,
    standards: [PARKING_SHARE_BASIS.en],
    provenance: [{ measurement: parkingDailyMeasurement, points: dayCount, from: isoOf(period.fromMs), to: isoOf(period.toMs), query }],
    details: { spacesByLotKind: byKind },
  };
};
