import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { afterAll, describe, expect, it } from 'vitest';
import { createLegacySessions } from '../../services/cluster/legacy-sessions.ts';
import { createLogger } from '../../services/log.ts';

/**
 * The take-over of the sessions left under the old client ids, step by step, against a protocol
 * peer of a few lines (mqtt-packet, as in mqtt-subscriber.test.ts) that plays one broker session
 * per client id and records every packet: what a real mosquitto does is in
 * ingest-session-ids.test.ts; the branches a real broker rarely takes are here.
 */
describe('the take-over of old ingest sessions', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('drains a held session and removes it, removes an empty one, keeps a busy one, leaves a device\'s id alone', async () => {
    /** Every packet by connection, in arrival order, with the client id of its CONNECT. */
    const connections: Array<{ clientId: string; clean: boolean; packets: Packet[] }> = [];
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      const parser = createParser({ protocolVersion: 4 });
      let messageId = 0;
      const publish = () => socket.write(generate({ cmd: 'publish', topic: 'luohu/v1/air/air-guiyuan/telemetry', payload: Buffer.from('{}'), qos: 1, messageId: (messageId += 1), retain: false, dup: false }));
      let connection: (typeof connections)[number] | undefined;
      let dealing: NodeJS.Timeout | undefined;
      parser.on('packet', (packet: Packet) => {
        if (packet.cmd === 'connect') connections.push((connection = { clientId: packet.clientId, clean: packet.clean ?? true, packets: [] }));
        connection!.packets.push(packet);
        if (packet.cmd === 'connect') {
          const held = !packet.clean && packet.clientId !== 'w1-2';
          socket.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: held }));
          // w1-0 held three readings; w1-1 keeps being dealt readings (a subscription we do not know of).
          if (held && packet.clientId === 'w1-0') for (let n = 0; n < 3; n += 1) publish();
          if (held && packet.clientId === 'w1-1') dealing = setInterval(publish, 30);
        }
        if (packet.cmd === 'unsubscribe') socket.write(generate({ cmd: 'unsuback', messageId: packet.messageId!, granted: [] }));
      });
      socket.on('data', (chunk) => parser.parse(chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => clearInterval(dealing));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(async () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    });

    const accepted: string[] = [];
    const legacy = createLegacySessions({
      brokerUrl: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, username: 'wanxiang-ingest', password: 'x',
      filters: ['$share/g/luohu/v1/+/+/telemetry', '$share/g/luohu/v1/+/+/status'], clientIds: ['w1-0', 'w1-1', 'w1-2', 'w1-3'],
      ingest: { accept: async (message) => { accepted.push(message.topic); return true; } },
      log: createLogger('silent'), now: Date.now, window: 64, connectTimeoutMs: 2_000, budgetMs: 1_500, quietMs: 100,
      deviceOwning: (clientId) => (clientId === 'w1-3' ? 'w1-3' : null),
    });
    cleanup.push(() => legacy.close());
    const outcomes = await legacy.drain();
    expect(Object.fromEntries(outcomes)).toEqual({ 'w1-0': 'drained', 'w1-1': 'left', 'w1-2': 'absent', 'w1-3': 'device' });

    const of = (clientId: string) => connections.filter((connection) => connection.clientId === clientId);
    const kinds = (packets: Packet[]) => packets.map((packet) => packet.cmd);
    // Drained: every reading acknowledged, the filters unsubscribed (and once more as the quiet
    // probe), DISCONNECT; then a clean connect removes the session.
    const [held, removal] = of('w1-0');
    expect(held!.clean).toBe(false);
    expect(kinds(held!.packets).filter((cmd) => cmd === 'puback')).toHaveLength(3);
    expect(kinds(held!.packets).at(-1)).toBe('disconnect');
    expect(kinds(held!.packets).filter((cmd) => cmd === 'unsubscribe').length).toBeGreaterThanOrEqual(2);
    expect(removal).toMatchObject({ clean: true });
    // Still delivering at the end of the budget: kept, never connected with a clean session.
    expect(of('w1-1').map((connection) => connection.clean)).toEqual([false]);
    // No session: the one the connect made is removed.
    expect(of('w1-2').map((connection) => connection.clean)).toEqual([false, true]);
    // A registered device's client id is never used.
    expect(of('w1-3')).toEqual([]);
    expect(accepted.length).toBeGreaterThanOrEqual(3);
  });
});
