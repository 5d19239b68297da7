import { WanxiangError } from '../errors.ts';
import { familyIds, getFamily, type FamilyId } from '../families/index.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { StateThresholds } from './device-state.ts';
import { referenceLines, type ReferenceLine } from './reference-lines.ts';

export const SERIES_DEFAULT_POINTS = 240;
export const SERIES_MAX_POINTS = 2_000;

export interface SeriesRequest {
  readonly device?: string;
  readonly site?: string;
  readonly street?: string;
  readonly field: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: number;
}

export interface SeriesAnswer {
  readonly family: FamilyId;
  readonly field: string;
  readonly influxField: string;
  readonly unit: string;
  readonly devices: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly intervalMs: number;
  /** Each bucket's mean and its extremes: a single reading of 250 in a 5-min bucket shows as its max (issue 21). */
  readonly points: readonly { readonly time: string; readonly value: number; readonly min: number; readonly max: number }[];
  /** Limit and target lines of the field, for one device (none for a street). */
  readonly lines: readonly ReferenceLine[];
  readonly query: string;
}

/** A payload key (pm25) or InfluxDB field (pm25_ugm3, load_rate_pct) of a family: its field and unit. */
function resolveField(family: FamilyId, field: string): { influxField: string; unit: string } | null {
  const spec = getFamily(family);
  for (const [key, f] of Object.entries(spec.fields)) if (key === field || f.field === field) return { influxField: f.field, unit: f.unit };
  for (const [name, f] of Object.entries(spec.derivedFields ?? {})) if (name === field) return { influxField: name, unit: f.unit };
  return null;
}

/** The family a street query means: the one family that has the field. */
function familyOfField(field: string): FamilyId {
  const found = familyIds.filter((family) => resolveField(family, field) !== null);
  if (found.length !== 1) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `field: ${field} is not a field of ${found.length ? 'exactly one family' : 'any family'}`, { value: field });
  return found[0]!;
}

/**
 * The longest GROUP BY time interval InfluxQL parses: a duration is int64 nanoseconds (about 292
 * years). A longer one (1700 to 2199 in one point) was refused by InfluxDB, answered 502 and logged
 * as its failure, for a request the API had taken as valid (red team 11).
 */
export const MAX_BUCKET_MS = 9_000_000_000_000;

/**
 * The GROUP BY time interval that gives at most `points` buckets over the range: the range over
 * the points, rounded up to whole seconds (InfluxQL durations), never below 1 s nor above
 * MAX_BUCKET_MS (a range longer than that in fewer points keeps the last `points` buckets).
 */
export function bucketMs(fromMs: number, toMs: number, points: number): number {
  return Math.min(MAX_BUCKET_MS, Math.max(1_000, Math.ceil((toMs - fromMs) / points / 1_000) * 1_000));
}

/** Time series of one device, site or street from InfluxDB, downsampled server-side (mean, min and max per bucket). */
export async function querySeries(influx: InfluxClient, registry: DeviceRegistry, request: SeriesRequest, thresholds: StateThresholds = { heavyPct: 80, overloadPct: 100 }): Promise<SeriesAnswer> {
  const chosen = [request.device, request.site, request.street].filter((v) => v !== undefined).length;
  if (chosen !== 1) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'device, site, street: give exactly one of them');
  if (request.toMs <= request.fromMs) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'to: must be after from');
  let devices = registry.devices.filter((d) => d.id === request.device || d.site === request.site || d.street === request.street);
  if (devices.length === 0) throw new WanxiangError('WX_ERR_NOT_FOUND', `no device, site or street ${request.device ?? request.site ?? request.street}`);
  const family = request.street !== undefined ? familyOfField(request.field) : devices[0]!.family;
  devices = devices.filter((d) => d.family === family);
  const resolved = resolveField(family, request.field);
  if (!resolved || devices.length === 0) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `field: ${request.field} is not a field of the ${family} family here`, { value: request.field });
  const intervalMs = bucketMs(request.fromMs, request.toMs, request.points);
  // Ids come from the registry (validated slugs), never from the request text.
  const where = devices.map((d) => `"device" = '${d.id}'`).join(' OR ');
  const query = `SELECT MEAN("${resolved.influxField}"), MIN("${resolved.influxField}"), MAX("${resolved.influxField}") FROM "${getFamily(family).measurement}" WHERE (${where}) AND time >= ${request.fromMs}ms AND time < ${request.toMs}ms GROUP BY time(${intervalMs / 1_000}s) fill(none)`;
  const series = await influx.query(query);
  const points = (series[0]?.values ?? [])
    .filter((row) => typeof row[1] === 'number')
    .map((row) => {
      const value = row[1] as number;
      const min = typeof row[2] === 'number' ? row[2] : value;
      const max = typeof row[3] === 'number' ? row[3] : value;
      return { time: new Date(Number(row[0])).toISOString(), value, min, max };
    });
  return {
    family, field: request.field, influxField: resolved.influxField, unit: resolved.unit, devices: devices.map((d) => d.id),
    from: new Date(request.fromMs).toISOString(), to: new Date(request.toMs).toISOString(), intervalMs, points: points.slice(-request.points),
    lines: devices.length === 1 ? referenceLines(devices[0]!, request.field, thresholds) : [], query,
  };
}
