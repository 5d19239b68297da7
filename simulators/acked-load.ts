import type { MqttClient } from 'mqtt';
import { getFamily } from '../services/families/index.ts';
import type { InfluxClient } from '../services/storage/influx-client.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { connectDevice, type DeviceConnection } from './device-client.ts';
import { generateReading } from './generate-reading.ts';

export interface AckedLoad {
  /** Readings sent (publish called). */
  readonly sent: number;
  /** Per device, the timestamps whose PUBACK arrived: what the platform promised to keep. */
  readonly acked: ReadonlyMap<string, ReadonlySet<number>>;
  readonly ackedCount: number;
  /** Stops sending; resolves when every publish sent so far is acknowledged (or `waitMs` passed). */
  stop(waitMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Durability load: devices publish one reading each per interval at QoS 1 with distinct
 * timestamps, and every acknowledgement is recorded, so a test can hold what landed against
 * what was acknowledged. Clients reconnect on their own and resend what was not acknowledged.
 */
export async function startAckedLoad(options: DeviceConnection & { devices: readonly DeviceRecord[]; intervalMs: number; seed?: number }): Promise<AckedLoad> {
  const clients: MqttClient[] = [];
  for (const device of options.devices) clients.push(await connectDevice(device, options, { reconnectPeriod: 300 }));
  const acked = new Map<string, Set<number>>(options.devices.map((device) => [device.id, new Set<number>()]));
  const outstanding = new Set<Promise<unknown>>();
  let sent = 0;
  let ackedCount = 0;
  let tick = 0;
  const base = Date.now() - 60_000;
  const timer = setInterval(() => {
    tick += 1;
    options.devices.forEach((device, index) => {
      const ts = base + tick * 10 + (index % 10); // distinct per device, never in the future
      const payload = JSON.stringify({ ts, ...generateReading(options.seed ?? 1, device, ts) });
      sent += 1;
      const publish = clients[index]!.publishAsync(options.topics.build(device.family, device.id, 'telemetry'), payload, { qos: 1 }).then(() => {
        acked.get(device.id)!.add(ts);
        ackedCount += 1;
      }, () => undefined).finally(() => outstanding.delete(publish));
      outstanding.add(publish);
    });
  }, options.intervalMs);

  return {
    get sent() { return sent; },
    get ackedCount() { return ackedCount; },
    acked,
    async stop(waitMs = 120_000) {
      clearInterval(timer);
      await Promise.race([Promise.all(outstanding), new Promise((resolve) => setTimeout(resolve, waitMs))]);
    },
    async close() {
      clearInterval(timer);
      await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
    },
  };
}

/** Points per device in InfluxDB, over every family measurement the devices use. */
export async function landedPerDevice(influx: InfluxClient, devices: readonly DeviceRecord[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(devices.map((device) => [device.id, 0]));
  for (const measurement of new Set(devices.map((device) => getFamily(device.family).measurement))) {
    const series = await influx.query(`SELECT COUNT("recv_lag_ms") FROM "${measurement}" GROUP BY "device"`);
    for (const one of series) counts.set(one.tags?.device ?? '', Number(one.values[0]?.[1] ?? 0));
  }
  return counts;
}
