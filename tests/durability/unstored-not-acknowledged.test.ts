import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReading } from '../../simulators/generate-reading.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * A message ingest cannot store (its spool stopped after a failed fsync, or is closing) must
 * not be acknowledged: the device keeps it and sends it again. Here the spool is closed under a
 * running broker, the plainest way to make every append fail.
 */
describe('a message the spool cannot take', () => {
  let test: TestPlatform;
  beforeAll(async () => {
    test = await startTestPlatform();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('gets no PUBACK: the connection is closed, the failure counted under its code', async () => {
    const device = test.platform.registry.devices.find((d) => d.family === 'noise')!;
    const client = await test.connect(device);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await test.platform.ingest.close();
    const ts = Date.now();
    const acknowledged = client.publishAsync(test.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts, ...generateReading(1, device, ts) }), { qos: 1 });
    const outcome = await Promise.race([acknowledged.then(() => 'acknowledged', () => 'not acknowledged'), closed.then(() => 'closed')]);
    expect(outcome).not.toBe('acknowledged');
    await closed;
    // The reading, and soon the device's Last Will, which the closed connection sets off.
    expect(await test.metric('wanxiang_ingest_failures_total', { code: 'WX_ERR_SPOOL_UNAVAILABLE' })).toBeGreaterThanOrEqual(1);
    client.end(true);
  });
});
