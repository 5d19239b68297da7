import type { FamilyId } from '../families/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { airHourlyMeasurement } from './air-rollup.ts';
import { gridEventsMeasurement } from './grid-rollup.ts';
import { noiseDailyMeasurement } from './noise-rollup.ts';
import { dayOf } from './rollup-types.ts';
import { stampFieldsPresent, type StampOptions } from './fields-present-stamp.ts';

/**
 * The rollups' schema version, kept as a marker point in InfluxDB:
 * - 1 (no marker): air_hourly labelled by the hour's start; grid events cut at midnight; noise days
 *   judged whatever their coverage.
 * - 2: air_hourly labelled by the hour's end (HJ 663); a grid event that crosses midnight is one event;
 *   noise_daily carries each period's coverage and judges only periods with ≥ 75 %.
 * - 3: every rollup point lists the fields it holds in fields_present (fields-present.ts), not only the
 *   points of a window a review mark touched, so that the Grafana dashboards can keep a field's rows by
 *   that list (a condition on a field a point lacks is false in InfluxQL).
 * Rollups of a version before 2 are stale: on the engine's first run their time span is recorded, the
 * span is deleted once (old labels and fragments would otherwise survive beside the new points), and
 * every day of it is recomputed. A span recorded but not yet recomputed (a crash in between) is found
 * again from its record. Points of a version before 3 are not recomputed: each gains the list of the
 * fields it holds (fields-present-stamp.ts), which is what a recomputation would write, at the cost of
 * reading and writing back the rollups alone. The marker is written when all that succeeded.
 */
export const ROLLUP_SCHEMA_VERSION = 3;
export const rollupSchemaMeasurement = 'rollup_schema';
const migrationMeasurement = 'rollup_migration';

/** Measurements an older schema wrote differently, with a field every one of their points has. */
const changedIn2: ReadonlyArray<{ family: FamilyId; measurement: string; field: string }> = [
  { family: 'air', measurement: airHourlyMeasurement, field: 'coverage_min' },
  { family: 'grid', measurement: gridEventsMeasurement, field: 'duration_min' },
  { family: 'noise', measurement: noiseDailyMeasurement, field: 'day_limit_dba' },
];

type Window = { family: FamilyId; day: number };

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

/** Spans recorded by a migration that has not finished: family → [first day, last day]. */
async function recordedSpans(influx: InfluxClient): Promise<Map<FamilyId, [number, number]>> {
  const series = await influx.query(`SELECT "first_day", "last_day" FROM "${migrationMeasurement}" GROUP BY "family"`);
  const spans = new Map<FamilyId, [number, number]>();
  for (const { tags, values } of series) {
    for (const [, first, last] of values) {
      const family = tags?.family as FamilyId;
      const known = spans.get(family);
      spans.set(family, [Math.min(Number(first), known?.[0] ?? Infinity), Math.max(Number(last), known?.[1] ?? -Infinity)]);
    }
  }
  return spans;
}

/**
 * Clears the rollups a schema before 2 left (see above) and returns the windows to recompute: every
 * day that held a changed measurement's points, and the day before the first (its 24:00 hour now
 * carries the label the old first hour had).
 */
async function clearStaleRollups(influx: InfluxClient, nowMs: number): Promise<Window[]> {
  const spans = await recordedSpans(influx);
  for (const { family, measurement, field } of changedIn2) {
    const first = await timeOf(influx, `SELECT first("${field}") FROM "${measurement}"`);
    const last = await timeOf(influx, `SELECT last("${field}") FROM "${measurement}"`);
    if (first === null || last === null) continue;
    const known = spans.get(family);
    const span: [number, number] = [Math.min(dayOf(first) - 1, known?.[0] ?? Infinity), Math.max(dayOf(last), known?.[1] ?? -Infinity)];
    // Recorded before the delete, so a crash before the recomputation does not lose the span.
    await influx.write(`${migrationMeasurement},family=${family} first_day=${span[0]}i,last_day=${span[1]}i ${nowMs}`);
    await influx.query(`DELETE FROM "${measurement}" WHERE time >= ${first}ms AND time <= ${last}ms`);
    spans.set(family, span);
  }
  return [...spans].flatMap(([family, [first, last]]) => Array.from({ length: last - first + 1 }, (_, i) => ({ family, day: first + i })));
}

export interface Migration {
  /** Windows to recompute (a schema before 2). */
  readonly recompute: Window[];
  /** Points that gained their fields_present (a schema before 3). */
  readonly stamped: number;
}

/**
 * Brings the stored rollups to the current schema (see above); null when they follow it already.
 * `measurements`: every measurement the rollups write (FamilyRollup.measurements).
 */
export async function migrateRollups(influx: InfluxClient, nowMs: number, measurements: readonly string[], stamp: StampOptions = {}): Promise<Migration | null> {
  const version = await storedSchemaVersion(influx);
  if (version >= ROLLUP_SCHEMA_VERSION) return null;
  const recompute = version < 2 ? await clearStaleRollups(influx, nowMs) : [];
  return { recompute, stamped: await stampFieldsPresent(influx, measurements, stamp) };
}

/** Records that every rollup now follows the current schema. */
export async function writeSchemaMarker(influx: InfluxClient, nowMs: number): Promise<void> {
  await influx.write(`${rollupSchemaMeasurement} version=${ROLLUP_SCHEMA_VERSION}i ${nowMs}`);
}
