import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasLocalSubscriber } from '../../services/broker/local-subscribers.ts';

// A real aedes on a real socket and a real client: the platform relays HJ 212 frames only while
// someone subscribes (issue 20's throughput: masking and routing cost 8 % of the receiver's thread).
describe('hasLocalSubscriber', () => {
  const topic = 'wanxiang/v1/hj212/air-guiyuan';
  let aedes: Aedes;
  let server: ReturnType<typeof createServer>;
  let url: string;

  beforeAll(async () => {
    aedes = await Aedes.createBroker();
    server = createServer((socket) => aedes.handle(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is false with no subscriber, true for an exact, a + and a # filter, false again once they unsubscribe or leave', async () => {
    expect(hasLocalSubscriber(aedes, topic)).toBe(false);
    const observer = await mqtt.connectAsync(url, { clientId: 'observer', reconnectPeriod: 0 });
    try {
      for (const filter of [topic, 'wanxiang/v1/hj212/+', '#']) {
        await observer.subscribeAsync(filter, { qos: 0 });
        expect(hasLocalSubscriber(aedes, topic), filter).toBe(true);
        expect(hasLocalSubscriber(aedes, 'wanxiang/v1/other/air-guiyuan'), filter).toBe(filter === '#');
        await observer.unsubscribeAsync(filter);
        expect(hasLocalSubscriber(aedes, topic), filter).toBe(false);
      }
      await observer.subscribeAsync('wanxiang/v1/hj212/+', { qos: 0 });
      expect(hasLocalSubscriber(aedes, topic)).toBe(true);
    } finally {
      await observer.endAsync();
    }
    // aedes drops a leaving client's subscriptions after its close: give the close its turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hasLocalSubscriber(aedes, topic)).toBe(false);
  });

  it('counts every topic observed when the emitter has no matcher (another mqemitter), so nothing is skipped', () => {
    expect(hasLocalSubscriber({ mq: {} } as unknown as Aedes, topic)).toBe(true);
  });
});
