import { setTimeout as delay } from 'node:timers/promises';
import { getFamily, type FamilyId } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { InfluxClient } from '../storage/influx-client.ts';

const quoted = (id: string) => `'${id.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Points of these devices in [fromMs, toMs), per device: what landed, whoever sent it (issue 19, item 3). */
export async function landedByDevice(influx: InfluxClient, devices: readonly DeviceRecord[], fromMs: number, toMs: number): Promise<Map<string, number>> {
  const byFamily = new Map<FamilyId, string[]>();
  for (const device of devices) byFamily.set(device.family, [...(byFamily.get(device.family) ?? []), device.id]);
  const landed = new Map<string, number>(devices.map((device) => [device.id, 0]));
  for (const [family, ids] of byFamily) {
    // Chunks of ids keep each InfluxQL statement short.
    for (let at = 0; at < ids.length; at += 200) {
      const which = ids.slice(at, at + 200).map((id) => `"device" = ${quoted(id)}`).join(' OR ');
      const series = await influx.query(`SELECT COUNT("recv_lag_ms") FROM "${getFamily(family).measurement}" WHERE time >= ${fromMs}ms AND time < ${toMs}ms AND (${which}) GROUP BY "device"`);
      for (const one of series) {
        const device = one.tags?.device;
        if (device !== undefined && landed.has(device)) landed.set(device, Number(one.values[0]?.[1] ?? 0));
      }
    }
  }
  return landed;
}

/** Points of these devices in [fromMs, toMs), all together. */
export async function countLanded(influx: InfluxClient, devices: readonly DeviceRecord[], fromMs: number, toMs: number): Promise<number> {
  let points = 0;
  for (const landed of (await landedByDevice(influx, devices, fromMs, toMs)).values()) points += landed;
  return points;
}

/**
 * Waits until `expected` points landed, or the count stops growing (what was acknowledged is in
 * the platform's spool and reaches InfluxDB within its flush interval and retries).
 */
export async function waitForLanded(count: () => Promise<number>, expected: number, onProgress: (landed: number) => void, options: { quietMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const quietMs = options.quietMs ?? 5_000;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let landed = await count();
  let changedAt = Date.now();
  while (landed < expected && Date.now() - changedAt < quietMs && Date.now() < deadline) {
    await delay(500);
    const now = await count();
    if (now !== landed) changedAt = Date.now();
    landed = now;
    onProgress(landed);
  }
  return landed;
}
