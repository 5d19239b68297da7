import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { parseFaultOptions, type FaultName } from '../../simulators/faults.ts';
import { createFleet, type Fleet } from '../../simulators/fleet.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const faults: FaultName[] = ['dropout', 'stuck', 'spike', 'clockSkew', 'duplicate', 'malformed', 'wrongTopic'];

/** Each fault runs at rate 1 on a pair of devices of its own, all at once; its effect shows in the counts. */
describe('faults injected by the fleet show in the platform’s counts', () => {
  let test: TestPlatform;
  const fleets = new Map<FaultName, { fleet: Fleet; devices: DeviceRecord[] }>();
  const rejectedFor = (fault: FaultName, code: string) =>
    fleets.get(fault)!.devices.reduce((sum, device) => sum + (test.platform.ingest.rejections.byDevice()[device.id]?.[code] ?? 0), 0);

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { stuckAfter: 3 } });
    const air = test.platform.registry.devices.filter((device) => device.family === 'air');
    for (const [index, fault] of faults.entries()) {
      const devices = air.slice(0, 10).filter((_, i) => i === index || (index === 0 && i === 9));
      const fleet = createFleet({
        url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, seed: 5,
        log: createLogger('silent'), intervalMs: 100, faults: parseFaultOptions([`${fault}=1`, 'dropoutMs=300']),
      });
      fleets.set(fault, { fleet, devices });
    }
    await Promise.all([...fleets.values()].map(({ fleet }) => fleet.start()));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await Promise.all([...fleets.values()].map(({ fleet }) => fleet.close()));
    await test.platform.ingest.drain();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('spikes are refused as out of range', () => {
    expect(rejectedFor('spike', 'WX_ERR_OUT_OF_RANGE')).toBeGreaterThanOrEqual(5);
  });

  it('malformed messages are refused as malformed JSON', () => {
    expect(rejectedFor('malformed', 'WX_ERR_MALFORMED_JSON')).toBeGreaterThanOrEqual(5);
  });

  it('a clock ten minutes fast is refused as in the future', () => {
    expect(rejectedFor('clockSkew', 'WX_ERR_TIME_IN_FUTURE')).toBeGreaterThanOrEqual(5);
  });

  it('publishes to a neighbour’s topic are refused', () => {
    expect(rejectedFor('wrongTopic', 'WX_ERR_TOPIC_NOT_ALLOWED')).toBeGreaterThanOrEqual(5);
  });

  it('a stuck sensor is flagged', () => {
    const [device] = fleets.get('stuck')!.devices;
    expect(test.platform.ingest.stuck.byDevice()[device!.id]).toBeGreaterThanOrEqual(3);
  });

  it('duplicates are received twice and stored once', async () => {
    const { fleet, devices } = fleets.get('duplicate')!;
    const stored = await test.countPoints('air_quality', `"device" = '${devices[0]!.id}'`);
    expect(fleet.stats().faults.duplicate).toBe(stored);
    expect(fleet.stats().published).toBe(2 * stored);
  });

  it('a dropout fires the Last Will: the device goes offline', async () => {
    const { fleet, devices } = fleets.get('dropout')!;
    expect(fleet.stats().faults.dropout).toBeGreaterThanOrEqual(2);
    for (const device of devices) {
      const offline = await test.platform.influx.query(`SELECT COUNT("online") FROM "device_status" WHERE "device" = '${device.id}' AND "online" = 0`);
      expect(Number(offline[0]?.values[0]?.[1] ?? 0), device.id).toBeGreaterThanOrEqual(1);
    }
  });
});
