import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyIds, getFamily } from '../../services/families/index.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const readingsPerDevice = 100;
const stepMs = 1_000;

/** Devices send epoch ms, epoch seconds and ISO 8601 in turn, so all three formats are proven. */
function timestampFor(deviceIndex: number, timeMs: number): number | string {
  if (deviceIndex % 3 === 0) return timeMs;
  if (deviceIndex % 3 === 1) return timeMs / 1_000;
  return new Date(timeMs).toISOString().replace('Z', '+00:00');
}

describe('10,000 readings from 100 devices over TCP with QoS 1', () => {
  let test: TestPlatform;
  let devices: DeviceRecord[];
  const clients: MqttClient[] = [];
  const startMs = Date.now() - 3_600_000;
  const expected = new Map<string, Record<string, number>>();

  beforeAll(async () => {
    test = await startTestPlatform();
    // The first device of every family, then the registry's order, to 100.
    const all = test.platform.registry.devices;
    const firsts = familyIds.map((family) => all.find((device) => device.family === family)!);
    devices = [...firsts, ...all.filter((device) => !firsts.includes(device))].slice(0, 100);
    expect(new Set(devices.map((device) => device.family))).toEqual(new Set(familyIds));
    for (const device of devices) clients.push(await test.connect(device));

    await Promise.all(
      devices.map(async (device, deviceIndex) => {
        const topic = test.topics.build(device.family, device.id, 'telemetry');
        for (let k = 0; k < readingsPerDevice; k += 1) {
          const timeMs = startMs + k * stepMs;
          const values = generateReading(7, device, timeMs);
          if (k === 42) expected.set(device.id, values);
          await clients[deviceIndex]!.publishAsync(topic, JSON.stringify({ ts: timestampFor(deviceIndex, timeMs), ...values }), { qos: 1 });
        }
      }),
    );
    await test.platform.ingest.drain();
  });

  afterAll(async () => {
    await test?.close();
  });

  it('lands exactly 10,000 points, per family and per device', async () => {
    let total = 0;
    for (const familyId of familyIds) {
      const family = getFamily(familyId);
      const familyDevices = devices.filter((device) => device.family === familyId);
      const count = await test.countPoints(family.measurement);
      expect(count, family.measurement).toBe(familyDevices.length * readingsPerDevice);
      total += count;
    }
    expect(total).toBe(10_000);
    expect(await test.metric('wanxiang_readings_written_total')).toBe(10_000);
    expect(await test.metric('wanxiang_readings_rejected_total')).toBe(0);
    const perDevice = await test.platform.influx.query('SELECT COUNT("recv_lag_ms") FROM "grid_load" GROUP BY "device"');
    for (const series of perDevice) expect(series.values[0]![1]).toBe(readingsPerDevice);
  });

  it('stores each reading with the right measurement, tags, fields and timestamp', async () => {
    for (const device of devices.filter((_, index) => index % 7 === 0)) {
      const family = getFamily(device.family);
      const atMs = startMs + 42 * stepMs;
      const series = await test.platform.influx.query(
        `SELECT * FROM "${family.measurement}" WHERE "device" = '${device.id}' AND time = ${atMs}ms`,
      );
      expect(series, device.id).toHaveLength(1);
      const row = Object.fromEntries(series[0]!.columns.map((column, i) => [column, series[0]!.values[0]![i]]));
      expect(row.time).toBe(atMs);
      expect(row.device).toBe(device.id);
      expect(row.site).toBe(device.site);
      expect(row.street).toBe(device.street);
      for (const [key, value] of Object.entries(expected.get(device.id)!)) {
        expect(row[family.fields[key]!.field], `${device.id} ${key}`).toBeCloseTo(value, 6);
      }
      expect(row.recv_lag_ms).toBeGreaterThan(3_000_000);
    }
  });

  it('derives the transformer load rate from power and the registry’s rated capacity', async () => {
    const transformer = devices.find((device) => device.attributes.level === 'transformer')!;
    const series = await test.platform.influx.query(
      `SELECT "active_kw", "reactive_kvar", "load_rate_pct" FROM "grid_load" WHERE "device" = '${transformer.id}' LIMIT 1`,
    );
    const [, activeKw, reactiveKvar, loadRate] = series[0]!.values[0] as number[];
    expect(loadRate).toBeCloseTo((Math.hypot(activeKw!, reactiveKvar!) / Number(transformer.attributes.ratedKva)) * 100, 6);
  });
});
