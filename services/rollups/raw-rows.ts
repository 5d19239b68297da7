import type { FamilyId } from '../families/index.ts';
import { getFamily } from '../families/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { RawRow } from './rollup-types.ts';

/** Every device's raw readings of a family in [from, to), by device, in time order. */
export async function readRawRows(influx: InfluxClient, family: FamilyId, fromMs: number, toMs: number, device?: string): Promise<Map<string, RawRow[]>> {
  const fields = [...getFamily(family).fieldTypes.keys()].map((field) => `"${field}"`).join(', ');
  const oneDevice = device === undefined ? '' : `"device" = '${device}' AND `;
  const series = await influx.query(`SELECT ${fields} FROM "${getFamily(family).measurement}" WHERE ${oneDevice}time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY "device"`);
  const byDevice = new Map<string, RawRow[]>();
  for (const { tags, columns, values } of series) {
    const rows = values.map((row) => {
      const fieldsOfRow: Record<string, number> = {};
      for (let i = 1; i < columns.length; i += 1) if (typeof row[i] === 'number') fieldsOfRow[columns[i]!] = row[i] as number;
      return { time: row[0] as number, fields: fieldsOfRow };
    });
    byDevice.set(tags?.device ?? '', rows);
  }
  return byDevice;
}
