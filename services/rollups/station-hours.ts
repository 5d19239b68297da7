import { getFamily, type FamilyId } from '../families/index.ts';
import { intervalMeasurement } from '../hj212/intervals.ts';
import { flagColumnOf, usableValuesOf } from '../hj212/stored-flags.ts';
import type { InfluxClient } from '../storage/influx-client.ts';

/**
 * A station's own hourly values (HJ 212 CN=2061, issue 20 item 4), by device and hour START
 * (HJ 212 stamps an hour with its start; the rollups label it with its end): where a station
 * sends them, the hourly means and everything computed from them (AQI, daily means, compliance)
 * use them, as the national network does, instead of our means of its real-time values. A value
 * its station flagged invalid is not in its field (station-door.ts), so that hour counts as
 * invalid for that pollutant.
 */
export type StationHours = ReadonlyMap<string, ReadonlyMap<number, Readonly<Record<string, number>>>>;

export async function readStationHours(influx: InfluxClient, family: FamilyId, fromMs: number, toMs: number): Promise<StationHours> {
  const spec = getFamily(family);
  const wanted = new Set(Object.values(spec.fields).map((field) => field.field));
  // With their flags: an hour sent again flagged invalid keeps its first value beside (stored-flags.ts).
  const fields = [...wanted].flatMap((field) => [`"${field}"`, `"${flagColumnOf(field)}"`]).join(', ');
  const series = await influx.query(`SELECT ${fields} FROM "${intervalMeasurement(spec.measurement)}" WHERE "interval" = 'hour' AND time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY "device"`);
  const byDevice = new Map<string, Map<number, Record<string, number>>>();
  for (const { tags, columns, values } of series) {
    const hours = new Map<number, Record<string, number>>();
    for (const row of values) hours.set(row[0] as number, usableValuesOf(columns, row, wanted));
    byDevice.set(tags?.device ?? '', hours);
  }
  return byDevice;
}
