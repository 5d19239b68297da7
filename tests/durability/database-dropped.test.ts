import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './helpers.ts';

/**
 * Someone "cleans up" InfluxDB with DROP DATABASE while the platform runs (issue 19, tried again
 * with other mistakes). Its writes were answered 404 "database not found", taken for poisoned
 * lines and moved into the dead-letter file one by one: every acknowledged reading lost to
 * InfluxDB, while /healthz said ok.
 */
describe('a database dropped under a running platform', () => {
  let test: TestPlatform;
  const logLines: string[] = [];

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { retryMaxDelayMs: 1_000 }, rollups: { enabled: false } }, { logLines });
  });
  afterAll(async () => {
    await test?.close();
  });

  // Red team 11: InfluxDB 1.x answers a write to a dropped retention policy 500 "retention policy
  // not found", which was retried for ever as an outage: nothing landed until a restart.
  it.each([
    { what: 'the database', drop: (db: string) => `DROP DATABASE "${db}"`, said: /"code":"WX_ERR_INFLUX_DATABASE_MISSING".*created again/, devices: [0, 5] },
    { what: 'its retention policy', drop: (db: string, rp: string) => `DROP RETENTION POLICY "${rp}" ON "${db}"`, said: /"code":"WX_ERR_INFLUX_DATABASE_MISSING".*retention policy.*created again/, devices: [5, 10] },
  ])('$what, dropped under it, is created again and every acknowledged reading lands; none is quarantined', async ({ drop, said, devices: [from, to] }) => {
    const devices = test.platform.registry.devices.filter((device) => device.family === 'air').slice(from, to);
    const lines = logLines.length;
    await test.platform.influx.query(drop(test.config.influx.database, test.config.influx.retentionPolicy), { database: null });
    const load = await startAckedLoad({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, intervalMs: 200 });
    await waitFor(async () => load.ackedCount >= 50, '50 acknowledged readings');
    await load.stop();
    await test.platform.ingest.drain();
    const landed = await landedPerDevice(test.platform.influx, devices);
    for (const device of devices) expect(landed.get(device.id), device.id).toBe(load.acked.get(device.id)!.size);
    expect(logLines.slice(lines).join('\n')).toMatch(said);
    expect(logLines.slice(lines).join('\n')).not.toMatch(/WX_ERR_INFLUX_REJECTED/);
    await load.close();
  }, 120_000);
});
