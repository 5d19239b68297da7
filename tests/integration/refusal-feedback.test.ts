import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createRefusalFeedback, type RefusalNotice } from '../../services/ingest/refusal-feedback.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

describe('a device learns why its message was refused (issue 13, item 19)', () => {
  let live: TestPlatform;

  beforeAll(async () => {
    live = await startTestPlatform();
  });

  afterAll(async () => {
    await live?.close();
  });

  it('publishes each refusal to the device’s own errors topic, which only it may read', async () => {
    const device = live.device('air-guiyuan');
    const client = await live.connect(device);
    const errors = live.topics.build(device.family, device.id, 'errors');
    expect((await client.subscribeAsync(errors, { qos: 1 })).map((grant) => grant.qos)).toEqual([1]);
    // Another device's errors topic is refused (SUBACK 0x80, which mqtt.js raises).
    await expect(client.subscribeAsync(live.topics.build('air', 'air-huangbei', 'errors'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const notice = new Promise<RefusalNotice>((resolve) => client.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()) as RefusalNotice)));
    await client.publishAsync(live.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ pm25: 'abc' }), { qos: 1 });
    expect(await notice).toMatchObject({ code: 'WX_ERR_WRONG_TYPE', topic: live.topics.build(device.family, device.id, 'telemetry'), suppressed: 0 });
    expect((await notice).message).toMatch(/pm25/);

    // Only the platform speaks on an errors topic: a device's own publish there is refused.
    const refused = await live.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' });
    await client.publishAsync(errors, '{"code":"forged"}', { qos: 1 });
    expect(await live.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' })).toBe(refused + 1);
    await live.platform.ingest.drain(); // nothing in flight when the platform closes
  });

  it('names every problem of a message in one notice: a wrong type and an unknown field, and each bad reading of a batch (issue 19, item 5)', async () => {
    const device = live.device('air-huangbei');
    const client = await live.connect(device);
    await client.subscribeAsync(live.topics.build(device.family, device.id, 'errors'), { qos: 1 });
    const telemetry = live.topics.build(device.family, device.id, 'telemetry');
    const notices: RefusalNotice[] = [];
    client.on('message', (_topic, payload) => notices.push(JSON.parse(payload.toString()) as RefusalNotice));
    await client.publishAsync(telemetry, JSON.stringify({ ts: 'yesterday', pm25: 'abc', colour: 'blue' }), { qos: 1 });
    await vi.waitFor(() => expect(notices).toHaveLength(1));
    expect(notices[0]!.problems?.map((problem) => problem.code)).toEqual(['WX_ERR_BAD_TIMESTAMP', 'WX_ERR_WRONG_TYPE', 'WX_ERR_UNKNOWN_FIELD']);
    // A batch, from another device (the notices' rate limit is one a second per device).
    const batcher = await live.connect(live.device('air-liantang'));
    await batcher.subscribeAsync(live.topics.build('air', 'air-liantang', 'errors'), { qos: 1 });
    const batchNotice = new Promise<RefusalNotice>((resolve) => batcher.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()) as RefusalNotice)));
    await batcher.publishAsync(live.topics.build('air', 'air-liantang', 'telemetry'), JSON.stringify([{ pm25: 10 }, { pm25: -1 }, { pm25: 'x', colour: 1 }]), { qos: 1 });
    expect((await batchNotice).problems).toMatchObject([{ code: 'WX_ERR_OUT_OF_RANGE', index: 1 }, { code: 'WX_ERR_WRONG_TYPE', index: 2 }, { code: 'WX_ERR_UNKNOWN_FIELD', index: 2 }]);
    await live.platform.ingest.drain();
  });

  it('tells a device that published to a topic not its own (the broker’s refusal)', async () => {
    const device = live.device('noise-buxin-road-1');
    const client = await live.connect(device);
    await client.subscribeAsync(live.topics.build(device.family, device.id, 'errors'), { qos: 1 });
    const notice = new Promise<RefusalNotice>((resolve) => client.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()) as RefusalNotice)));
    await client.publishAsync(live.topics.build('noise', 'noise-someone-else', 'telemetry'), JSON.stringify({ leq: 60 }), { qos: 1 });
    expect(await notice).toMatchObject({ code: 'WX_ERR_TOPIC_NOT_ALLOWED', topic: live.topics.build('noise', 'noise-someone-else', 'telemetry') });
  });

  it('rate-limits per device and says how many were held back', () => {
    let now = 0;
    const sent: Array<{ topic: string; notice: RefusalNotice }> = [];
    const feedback = createRefusalFeedback({
      topics: live.topics,
      registry: live.platform.registry,
      log: createLogger('silent'),
      intervalMs: 1_000,
      now: () => now,
      publish: async (topic, payload) => void sent.push({ topic, notice: JSON.parse(payload) as RefusalNotice }),
    });
    const refusal = { code: 'WX_ERR_OUT_OF_RANGE' as const, message: 'pm25 1e9 is out of range', readings: 1 };
    for (const at of [0, 100, 200, 1_000]) {
      now = at;
      feedback.report(refusal, { device: 'air-guiyuan', topic: 't' });
    }
    feedback.report(refusal, { device: 'air-huangbei' }); // another device has its own allowance
    feedback.report(refusal, { device: 'no-such-device' }); // nobody to tell
    expect(sent.map(({ topic, notice }) => [topic, notice.suppressed])).toEqual([
      [live.topics.build('air', 'air-guiyuan', 'errors'), 0],
      [live.topics.build('air', 'air-guiyuan', 'errors'), 2],
      [live.topics.build('air', 'air-huangbei', 'errors'), 0],
    ]);
  });
});
