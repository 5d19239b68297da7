import type { FamilyId } from '../families/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { airHourlyMeasurement } from './air-rollup.ts';
import { gridEventsMeasurement } from './grid-rollup.ts';
import { noiseDailyMeasurement } from './noise-rollup.ts';
import { dayOf } from './rollup-types.ts';

/**
 * The rollups' schema version, kept as a marker point in InfluxDB:
 * - 1 (no marker): air_hourly labelled by the hour's start; grid events cut at midnight.
 * - 2: air_hourly labelled by the hour's end (HJ 663); a grid event that crosses midnight is one event;
 *   noise_daily carries each period's coverage and judges only periods with ≥ 75 %.
 * Rollups written under an older version are stale: the engine recomputes their days on its next
 * run (each window deletes what it owns before writing), then writes the marker.
 */
export const ROLLUP_SCHEMA_VERSION = 2;
export const rollupSchemaMeasurement = 'rollup_schema';

/** Measurements whose points an older schema wrote differently, with a field to find their time span. */
const changedIn2: ReadonlyArray<{ family: FamilyId; measurement: string; field: string }> = [
  { family: 'air', measurement: airHourlyMeasurement, field: 'coverage_min' },
  { family: 'grid', measurement: gridEventsMeasurement, field: 'duration_min' },
  // noise_daily gained each period's coverage, and verdicts only for complete periods.
  { family: 'noise', measurement: noiseDailyMeasurement, field: 'day_limit_dba' },
];

async function timeOf(influx: InfluxClient, query: string): Promise<number | null> {
  const [series] = await influx.query(query);
  const time = series?.values[0]?.[0];
  return typeof time === 'number' ? time : null;
}

export async function storedSchemaVersion(influx: InfluxClient): Promise<number> {
  const [series] = await influx.query(`SELECT last("version") FROM "${rollupSchemaMeasurement}"`);
  const version = series?.values[0]?.[1];
  return typeof version === 'number' ? version : 1;
}

/**
 * The windows an older schema left stale: every day that holds a changed measurement's points, and
 * the day before the first (its last hour, 24:00, now carries the label the old first hour had).
 * Empty when the stored version is current.
 */
export async function staleWindows(influx: InfluxClient): Promise<Array<{ family: FamilyId; day: number }>> {
  if ((await storedSchemaVersion(influx)) >= ROLLUP_SCHEMA_VERSION) return [];
  const windows: Array<{ family: FamilyId; day: number }> = [];
  for (const { family, measurement, field } of changedIn2) {
    const first = await timeOf(influx, `SELECT first("${field}") FROM "${measurement}"`);
    const last = await timeOf(influx, `SELECT last("${field}") FROM "${measurement}"`);
    if (first === null || last === null) continue;
    for (let day = dayOf(first) - 1; day <= dayOf(last); day += 1) windows.push({ family, day });
  }
  return windows;
}

/** Records that every rollup now follows the current schema. */
export async function writeSchemaMarker(influx: InfluxClient, nowMs: number): Promise<void> {
  await influx.write(`${rollupSchemaMeasurement} version=${ROLLUP_SCHEMA_VERSION}i ${nowMs}`);
}
