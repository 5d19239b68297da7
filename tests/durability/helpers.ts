import type { InfluxClient } from '../../services/storage/influx-client.ts';
import { getFamily } from '../../services/families/index.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';

/** Points per device in InfluxDB, over every family measurement the devices use. */
export async function pointsPerDevice(influx: InfluxClient, devices: readonly DeviceRecord[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(devices.map((device) => [device.id, 0]));
  for (const measurement of new Set(devices.map((device) => getFamily(device.family).measurement))) {
    const series = await influx.query(`SELECT COUNT("recv_lag_ms") FROM "${measurement}" GROUP BY "device"`);
    for (const one of series) counts.set(one.tags?.device ?? '', Number(one.values[0]?.[1] ?? 0));
  }
  return counts;
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
