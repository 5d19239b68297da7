import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { afterAll, describe, expect, it } from 'vitest';
import { createMqttSubscriber } from '../../services/cluster/mqtt-subscriber.ts';
import type { InboundMessage } from '../../services/ingest/create-ingest.ts';
import { createLogger } from '../../services/log.ts';
import { createTopics } from '../../services/topics.ts';
import { waitFor } from './servers.ts';

/**
 * The PUBACK waits for the spool. aedes has no shared subscriptions, so the broker here is a
 * protocol peer of a few lines (mqtt-packet, the codec mqtt.js and aedes both use) that
 * records every packet the subscriber sends; the Ingest is a stand-in of our own interface
 * whose accept() stays open until the test lets it resolve.
 */
describe('the shared-subscription subscriber', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  let grant = 1;
  let port = 0;
  it('sends each PUBACK only after its Ingest.accept resolved, in arrival order, with several messages in flight', async () => {
    const received: Packet[] = [];
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      const parser = createParser({ protocolVersion: 4 });
      parser.on('packet', (packet: Packet) => {
        received.push(packet);
        if (packet.cmd === 'connect') socket.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
        if (packet.cmd === 'subscribe') socket.write(generate({ cmd: 'suback', messageId: packet.messageId!, granted: packet.subscriptions.map(() => grant) }));
      });
      socket.on('data', (chunk) => parser.parse(chunk));
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(async () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    });
    port = (server.address() as AddressInfo).port;

    const accepted: InboundMessage[] = [];
    const releases: Array<() => void> = [];
    const topics = createTopics('luohu');
    const subscriber = createMqttSubscriber({
      brokerUrl: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'wanxiang-ingest', password: 'x', group: 'wanxiang', sessions: 1, nodeId: 'w1',
      topics, log: createLogger('silent'),
      ingest: {
        accept: (message) => {
          accepted.push(message);
          return new Promise<boolean>((resolve) => releases.push(() => resolve(true)));
        },
      },
    });
    await subscriber.start();
    cleanup.push(() => subscriber.close());
    const connects = received.filter((packet) => packet.cmd === 'connect');
    // The session's own client id, out of any device's reach; then the old id's session, which
    // this peer says it has not (sessionPresent 0): the empty one the connect made is removed.
    expect(connects).toMatchObject([
      { clientId: '_wx-ingest.w1.0', clean: false, username: 'wanxiang-ingest' },
      { clientId: 'w1-0', clean: false },
      { clientId: 'w1-0', clean: true },
    ]);
    const subscribe = received.find((packet) => packet.cmd === 'subscribe');
    expect(subscribe && 'subscriptions' in subscribe ? subscribe.subscriptions : []).toEqual([
      { topic: '$share/wanxiang/luohu/v1/+/+/telemetry', qos: 1 },
      { topic: '$share/wanxiang/luohu/v1/+/+/status', qos: 1 },
    ]);

    const topic = topics.build('air', 'air-guiyuan', 'telemetry');
    const publish = (messageId: number) => sockets[0]!.write(generate({ cmd: 'publish', topic, payload: Buffer.from(`{"n":${messageId}}`), qos: 1, messageId, retain: false, dup: false }));
    const pubacks = () => received.filter((packet) => packet.cmd === 'puback').map((packet) => ('messageId' in packet ? packet.messageId : undefined));
    publish(7);
    publish(8);
    publish(9);
    // Several messages are at the spool at once (a window, not one at a time).
    await waitFor(() => accepted.length === 3, 'three messages at ingest together', 5_000);
    expect(accepted.map((message) => message.payload.toString())).toEqual(['{"n":7}', '{"n":8}', '{"n":9}']);
    // The spool has not answered: no PUBACK may have gone back (an absence can only be waited out).
    await delay(300);
    expect(pubacks()).toEqual([]);
    // The second append resolves first: its PUBACK still waits for the first [MQTT-4.6.0-2].
    releases[1]!();
    await delay(200);
    expect(pubacks()).toEqual([]);
    releases[0]!();
    await waitFor(() => pubacks().length === 2, 'two PUBACKs', 5_000);
    expect(pubacks()).toEqual([7, 8]);
    releases[2]!();
    await waitFor(() => pubacks().length === 3, 'the third PUBACK', 5_000);
    expect(pubacks()).toEqual([7, 8, 9]);
  });

  const failing = (brokerUrl: string) => createMqttSubscriber({
    brokerUrl, username: 'wanxiang-ingest', password: 'x', group: 'wanxiang', sessions: 1, nodeId: 'w2', connectTimeoutMs: 2_000,
    topics: createTopics('luohu'), log: createLogger('silent'), ingest: { accept: async () => true },
  });

  it('refuses to start with WX_ERR_SUBSCRIBE_NOT_ALLOWED when the broker’s ACL refuses the filters', async () => {
    grant = 128;
    await expect(failing(`mqtt://127.0.0.1:${port}`).start()).rejects.toMatchObject({ code: 'WX_ERR_SUBSCRIBE_NOT_ALLOWED' });
  });

  it('refuses to start with WX_ERR_BROKER_UNAVAILABLE when nothing answers', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const unused = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(failing(`mqtt://127.0.0.1:${unused}`).start()).rejects.toMatchObject({ code: 'WX_ERR_BROKER_UNAVAILABLE' });
  });
});
