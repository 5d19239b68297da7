import { flagVerdict } from './intervals.ts';

/** The column holding the station's data flag of a field (HJ 212-2017 Table 8), beside the value (station-door.ts). */
export const flagColumnOf = (field: string): string => `${field}_flag`;

/**
 * The numbers of a stored row that statistics may use: the row's `fields` whose flag, in the same
 * row, does not mark them invalid. The door never writes an invalid value into its field, but
 * InfluxDB merges the fields of two writes of one point: a station that sends an interval again
 * with a new flag (its operator marked the hour as maintenance afterwards, and the logger uploads
 * it again) leaves the first write's value in `<field>` beside `<field>_invalid` and the new flag.
 * The flag always comes with the newest write that sent it, so it decides.
 */
export function usableValuesOf(columns: readonly string[], row: readonly unknown[], fields: ReadonlySet<string>): Record<string, number> {
  const values: Record<string, number> = {};
  let flags: Map<string, unknown> | undefined;
  for (let i = 1; i < columns.length; i += 1) {
    const column = columns[i]!;
    if (column.endsWith('_flag') && row[i] != null) (flags ??= new Map()).set(column, row[i]);
  }
  for (let i = 1; i < columns.length; i += 1) {
    const column = columns[i]!;
    const value = row[i];
    if (typeof value !== 'number' || !fields.has(column)) continue;
    const flag = flags?.get(flagColumnOf(column));
    if (typeof flag === 'string' && flagVerdict(flag) === 'invalid') continue;
    values[column] = value;
  }
  return values;
}
