import type { FamilyId } from '../families/index.ts';
import { getFamily } from '../families/index.ts';
import { flagColumnOf, usableValuesOf } from '../hj212/stored-flags.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { RawRow } from './rollup-types.ts';

/**
 * Every device's raw readings of a family in [from, to), by device, in time order: the values a
 * station's data flag in the same row does not mark invalid (stored-flags.ts).
 */
export async function readRawRows(influx: InfluxClient, family: FamilyId, fromMs: number, toMs: number, device?: string): Promise<Map<string, RawRow[]>> {
  const spec = getFamily(family);
  const wanted = new Set(spec.fieldTypes.keys());
  const flagged = Object.values(spec.fields).map((field) => flagColumnOf(field.field));
  const fields = [...wanted, ...flagged].map((field) => `"${field}"`).join(', ');
  const oneDevice = device === undefined ? '' : `"device" = '${device}' AND `;
  const series = await influx.query(`SELECT ${fields} FROM "${spec.measurement}" WHERE ${oneDevice}time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY "device"`);
  const byDevice = new Map<string, RawRow[]>();
  for (const { tags, columns, values } of series) {
    const rows: RawRow[] = [];
    for (const row of values) {
      const fieldsOfRow = usableValuesOf(columns, row, wanted);
      // A row of flags and invalid values alone is no reading, as it was before the flags were read (coverage counts rows).
      for (const _ in fieldsOfRow) {
        rows.push({ time: row[0] as number, fields: fieldsOfRow });
        break;
      }
    }
    byDevice.set(tags?.device ?? '', rows);
  }
  return byDevice;
}
