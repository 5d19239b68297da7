import { familyIds, getFamily } from '../families/index.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { LatestReading } from './latest-reading.ts';

/**
 * The last stored reading of every device, so a restarted platform shows the district at once
 * instead of an empty screen (one LAST(*) query per family, over the last day).
 */
export async function seedLatest(influx: InfluxClient, registry: DeviceRegistry, nowMs: number): Promise<Map<string, LatestReading>> {
  const seeded = new Map<string, LatestReading>();
  for (const family of familyIds) {
    const spec = getFamily(family);
    const keyOf = new Map(Object.entries(spec.fields).map(([key, field]) => [`last_${field.field}`, key]));
    const window = `WHERE time > ${nowMs - 86_400_000}ms GROUP BY "device"`;
    const series = await influx.query(`SELECT LAST(*) FROM "${spec.measurement}" ${window}`);
    // LAST(*) stamps its row with the window's start; a single-field LAST gives each device's real
    // time, and its lag (receipt less stamp) when the reading was received.
    const lasts = new Map((await influx.query(`SELECT LAST("recv_lag_ms") FROM "${spec.measurement}" ${window}`))
      .map((t) => [t.tags?.device, { timeMs: Number(t.values[0]?.[0]), lagMs: Number(t.values[0]?.[1]) }]));
    for (const s of series) {
      const device = s.tags?.device;
      if (!device || !registry.device(device)) continue;
      const row = s.values[0];
      if (!row) continue;
      const values: Record<string, number> = {};
      s.columns.forEach((column, i) => {
        const key = keyOf.get(column);
        if (key !== undefined && typeof row[i] === 'number') values[key] = row[i] as number;
      });
      const last = lasts.get(device);
      const timeMs = last?.timeMs ?? Number(row[0]);
      // Counted from its stamp, as before; a reading stamped ahead of its receipt (negative lag), from
      // its receipt: stamped 4 min ahead and stored just before a restart, it was taken as newer than
      // every reading after it, and its age as nothing, until the station's clock caught up (red team 11).
      const lagMs = last?.lagMs ?? 0;
      seeded.set(device, { timeMs, receivedAtMs: Number.isFinite(lagMs) && lagMs < 0 ? timeMs + lagMs : timeMs, values });
    }
  }
  return seeded;
}
