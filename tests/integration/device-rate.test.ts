import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

describe('a token bucket per device: backpressure on the flooding device alone (issue 18, item 11)', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { deviceMessagesPerSecond: 100, deviceReadingsPerSecond: 1_000, deviceBurstSeconds: 1 } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('one device flooding waits for its bucket, another device’s readings land meanwhile, and nothing acknowledged is lost', async () => {
    const flooder = await test.connect(test.device('air-dongmen'));
    const neighbour = await test.connect(test.device('air-nanhu'));
    const floodTopic = test.topics.build('air', 'air-dongmen', 'telemetry');
    const base = Date.now() - 3_600_000;
    let floodAcked = 0;
    // 600 messages at once: 100 pass in the burst, the rest at 100 a second (about 5 s).
    const flood = Array.from({ length: 600 }, (_, i) => flooder.publishAsync(floodTopic, JSON.stringify({ ts: base + i * 1_000, pm25: 10 }), { qos: 1 }).then(() => { floodAcked += 1; }));
    // The flood has reached the broker and is waiting for its bucket.
    await vi.waitFor(async () => expect(await test.metric('wanxiang_device_rate_limited_total', { outcome: 'delayed' })).toBeGreaterThan(100), { timeout: 20_000 });
    const neighbourTopic = test.topics.build('air', 'air-nanhu', 'telemetry');
    for (let i = 0; i < 5; i += 1) await neighbour.publishAsync(neighbourTopic, JSON.stringify({ ts: base + i * 1_000, pm25: 20 }), { qos: 1 });
    // The neighbour's five were acknowledged while most of the flood still waited.
    expect(floodAcked).toBeLessThan(450);
    await Promise.all(flood);
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = 'air-dongmen'`)).toBe(600);
    expect(await test.countPoints('air_quality', `"device" = 'air-nanhu'`)).toBe(5);
  }, 60_000);

  it('counts a batch’s readings against the readings bucket', async () => {
    const device = test.device('air-guiyuan');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const before = await test.metric('wanxiang_device_rate_limited_total', { outcome: 'delayed' });
    const base = Date.now() - 3_600_000;
    // Four batches of 500 readings at once, four messages only: past the 1,000 readings of the bucket, the last ones wait.
    await Promise.all(Array.from({ length: 4 }, (_, b) => client.publishAsync(topic, JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ ts: base + (b * 500 + i) * 1_000, pm25: 5 }))), { qos: 1 })));
    expect(await test.metric('wanxiang_device_rate_limited_total', { outcome: 'delayed' })).toBeGreaterThan(before);
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device.id}'`)).toBe(2_000);
  }, 60_000);
});
