import { connect as connectTcp } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { Aedes } from 'aedes';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Review of the publish front: bytes meant for aedes were lost. After a rate wait the front holds the rest of a read (`unread`). If
 * aedes does not read at the resume (its _parsingBatch > 1: earlier packets of its batch still
 * out, here PINGRESPs waiting for a device that reads slowly), the next bytes pushed make Node
 * call socket.read(0) itself (maybeReadMore_); the front's wrapper sifts `unread` for that call
 * and returns the bytes for aedes to Node's internals, which drop them.
 */
/** What the test reads of aedes's broker and clients (their typings declare neither the connection nor the handle's return). */
interface SeenClient { id: string; conn: { read(size?: number | null): Buffer | null; writableLength: number } }
interface SeenBroker { publish(packet: object, done: () => void): void; handle(conn: unknown, req: unknown): SeenClient }
const seen: { broker?: SeenBroker; clients: SeenClient[] } = { clients: [] };
const prototype = Aedes.prototype as unknown as { listen(this: SeenBroker): Promise<void> };
const listen = prototype.listen;
prototype.listen = function (this: SeenBroker) {
  seen.broker = this;
  const handle = this.handle.bind(this);
  this.handle = (conn, req) => {
    const client = handle(conn, req);
    seen.clients.push(client);
    return client;
  };
  return listen.call(this);
};
const bytesOf = (packet: object) => mqttPacket.generate(packet as mqttPacket.Packet);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const publishFront of [true, false]) {
  describe(`publishFront=${publishFront}`, () => {
    let test: TestPlatform;
    afterAll(async () => { await test?.close(); });
    it('every message after a rate wait reaches ingest, with a device that reads slowly', async () => {
      seen.clients = [];
      test = await startTestPlatform({ mqtt: { publishFront, deviceMessagesPerSecond: 2, deviceBurstSeconds: 0.5 } });
      const device = 'air-dongmen';
      const topic = test.topics.build('air', device, 'telemetry');
      const accepted: string[] = [];
      const accept = test.platform.ingest.accept.bind(test.platform.ingest);
      test.platform.ingest.accept = (m) => { if (m.topic === topic) accepted.push(m.payload.toString()); return accept(m); };
      const { hostname, port } = new URL(test.endpoints.mqttUrl);
      const socket = connectTcp(Number(port), hostname);
      await new Promise<void>((r) => socket.once('connect', r));
      socket.on('error', () => undefined);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const answers: mqttPacket.Packet[] = [];
      parser.on('packet', (p) => answers.push(p));
      socket.on('data', (c) => parser.parse(c));
      socket.write(bytesOf({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device, keepalive: 60, username: device, password: Buffer.from(simulatedDeviceSecret(test.config.fleetKey, device)) }));
      await vi.waitFor(() => expect(answers.some((p) => p.cmd === 'connack')).toBe(true), { timeout: 10_000 });
      const cmdTopic = test.topics.build('air', device, 'cmd');
      socket.write(bytesOf({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: cmdTopic, qos: 0 }] }));
      await vi.waitFor(() => expect(answers.some((p) => p.cmd === 'suback')).toBe(true), { timeout: 10_000 });
      const base = Date.now() - 3_600_000;
      const payload = (i: number) => JSON.stringify({ ts: base + i * 1000, pm25: i });
      const pub = (i: number, extra: object = {}) => bytesOf({ cmd: 'publish', topic, payload: payload(i), qos: 1, messageId: i, retain: false, dup: false, ...extra });
      socket.write(pub(1)); // takes the bucket's one token: the next message waits ~500 ms
      await vi.waitFor(() => expect(answers.some((p) => p.cmd === 'puback')).toBe(true), { timeout: 10_000 });
      // The device reads slowly: commands fill its connection, so aedes's answers wait for 'drain'.
      socket.pause();
      const server = seen.clients.find((c) => c.id === device)!;
      const frontRead = server.conn.read;
      const dropped: string[] = [];
      server.conn.read = (size?: number | null) => { const out = frontRead(size); if (size === 0 && out) dropped.push(out.toString('hex').slice(0, 16) + `…(${out.length} B)`); return out; };
      for (let i = 0; i < 20 && server.conn.writableLength < 1_000_000; i += 1) {
        seen.broker!.publish({ cmd: 'publish', topic: cmdTopic, payload: Buffer.alloc(1_000_000, 0x20), qos: 0, retain: false, dup: false }, () => undefined);
        await sleep(50);
      }
      const ping = bytesOf({ cmd: 'pingreq' });
      // Three PINGREQs (answered once it drains), a QoS 0 message that waits its rate, then two for ingest.
      socket.write(Buffer.concat([ping, ping, ping, pub(2, { qos: 0, messageId: undefined }), pub(3, { retain: true }), pub(4)]));
      await sleep(900); // the wait is over
      socket.write(ping); // any bytes
      await sleep(300);
      socket.resume();
      await sleep(3_000);
      socket.destroy();
      expect(accepted.map((p) => (JSON.parse(p) as { pm25: number }).pm25), `bytes returned to Node's read(0): ${dropped.join(', ')}`).toEqual([1, 2, 3, 4]);
    }, 60_000);
  });
}
