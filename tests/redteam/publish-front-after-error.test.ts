import { afterAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { bytesOf, rawMqtt } from '../helpers/raw-mqtt.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Review of the publish front: a PUBLISH behind a packet aedes's parser refuses (same read). aedes
 * stops at the bad packet and closes; the front took and stored the PUBLISH behind it,
 * unacknowledged, so the device's resend was stored a second time. Now a read that handed aedes a
 * packet hands it the rest too: the message reaches ingest once, as with the front off.
 */
for (const publishFront of [true, false]) {
  describe(`publishFront=${publishFront}`, () => {
    let test: TestPlatform;
    afterAll(async () => { await test?.close(); });
    it('a PUBLISH behind a malformed packet, then resent after the close: reaches ingest once', async () => {
      test = await startTestPlatform({ mqtt: { publishFront } });
      const device = 'air-dongmen';
      const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);
      const topic = test.topics.build('air', device, 'telemetry');
      const accepted: string[] = [];
      const accept = test.platform.ingest.accept.bind(test.platform.ingest);
      test.platform.ingest.accept = (message) => { if (message.topic === topic) accepted.push(message.payload.toString()); return accept(message); };
      const ts = Date.now() - 3_600_000;
      const message = bytesOf({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify({ ts, pm25: 7 })), qos: 1, messageId: 2, retain: false, dup: false });
      const login = async () => {
        const conn = await rawMqtt(test.endpoints.mqttUrl);
        conn.socket.write(bytesOf({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device, keepalive: 60, username: device, password: Buffer.from(secret(device)) }));
        await vi.waitFor(() => expect(conn.answers.some((p) => p.cmd === 'connack')).toBe(true), { timeout: 10_000 });
        return conn;
      };
      const first = await login();
      // A packet of the reserved type 0, then the message, in one write.
      first.socket.write(Buffer.concat([Buffer.from([0x00, 0x00]), message]));
      await vi.waitFor(() => expect(first.closed()).toBe(true), { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const acked = first.answers.some((p) => p.cmd === 'puback');
      // Not acknowledged: the device sends it again on its next connection [MQTT-4.4.0-1].
      const second = await login();
      second.socket.write(bytesOf({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify({ ts, pm25: 7 })), qos: 1, messageId: 2, retain: false, dup: true }));
      await vi.waitFor(() => expect(second.answers.some((p) => p.cmd === 'puback')).toBe(true), { timeout: 10_000 });
      second.socket.destroy();
      expect(acked).toBe(false);
      expect(accepted).toHaveLength(1);
    }, 60_000);
  });
}
