import { familyIds, getFamily } from '../families/index.ts';
import { usableValuesOf } from '../hj212/stored-flags.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { LatestReading } from './latest-reading.ts';

/** What a restarted platform knows of each device from InfluxDB: its newest reading, and the gap before it. */
export interface Seeded {
  readonly latest: Map<string, LatestReading>;
  /** The gap between the receipts of a device's two newest readings (ms), where it has two. */
  readonly gaps: Map<string, number>;
}

type Row = readonly unknown[];

const numberAt = (row: Row, index: number): number | undefined => (index >= 0 && typeof row[index] === 'number' ? (row[index] as number) : undefined);

/**
 * The last stored reading of every device, so a restarted platform shows the district at once
 * instead of an empty screen: one query per family, over the last day, for each device's newest row
 * with at least one of the family's fields. Its fields and nothing else: LAST(*) took each field's
 * own last value, so a newest reading without PM2.5 (none sent, or flagged invalid by its station
 * and kept as pm25_ugm3_invalid: HJ 212-2017 Table 8) showed an older PM2.5 under the newest time.
 * The row before it gives the gap the device showed, which the wall judges it by (freshness.ts
 * judgedIntervalMs): without it an air station registered at 5 minutes and heard every 5 s was
 * judged by the 5 minutes after a restart, so one dead for 3 minutes read fresh and online again.
 */
export async function seedLatest(influx: InfluxClient, registry: DeviceRegistry, nowMs: number): Promise<Seeded> {
  const latest = new Map<string, LatestReading>();
  const gaps = new Map<string, number>();
  for (const family of familyIds) {
    const spec = getFamily(family);
    const keyOf = new Map(Object.entries(spec.fields).map(([key, field]) => [field.field, key]));
    const fields = new Set(keyOf.keys());
    // A row of flags and invalid values alone is no reading (the door hands live none for it);
    // a field equals itself exactly where the row has it.
    const anyField = [...keyOf.keys()].map((field) => `"${field}" = "${field}"`).join(' OR ');
    const series = await influx.query(`SELECT * FROM "${spec.measurement}" WHERE time > ${nowMs - 86_400_000}ms AND (${anyField}) GROUP BY "device" ORDER BY time DESC LIMIT 2`);
    for (const s of series) {
      const device = s.tags?.device;
      // Of this family still: a device moved to another family has none of its readings.
      if (!device || registry.device(device)?.family !== family) continue;
      const [row, before] = s.values;
      if (!row) continue;
      const lagAt = s.columns.indexOf('recv_lag_ms');
      const values: Record<string, number> = {};
      // Not a value its station's flag in the same row marks invalid: one sent again with a new flag keeps its first value beside (stored-flags.ts).
      const usable = usableValuesOf(s.columns, row, fields);
      for (const field in usable) values[keyOf.get(field)!] = usable[field]!;
      const timeMs = Number(row[0]);
      const lagMs = numberAt(row, lagAt) ?? 0;
      // Counted from its stamp, as before; a reading stamped ahead of its receipt (negative lag), from
      // its receipt: stamped 4 min ahead and stored just before a restart, it was taken as newer than
      // every reading after it, and its age as nothing, until the station's clock caught up (red team 11).
      latest.set(device, { timeMs, receivedAtMs: lagMs < 0 ? timeMs + lagMs : timeMs, values });
      if (before) {
        // Between two receipts, as the live view counts a gap (create-live.ts observe).
        const gap = (timeMs + lagMs) - (Number(before[0]) + (numberAt(before, lagAt) ?? 0));
        if (gap > 0) gaps.set(device, gap);
      }
    }
  }
  return { latest, gaps };
}
