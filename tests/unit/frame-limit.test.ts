import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { createFrameInspector } from '../../services/broker/frame-limit.ts';

const publish = (bytes: number) => mqttPacket.generate({ cmd: 'publish', topic: 'luohu/v1/air/a/telemetry', payload: Buffer.alloc(bytes, 0x61), qos: 0, retain: false, dup: false });

describe('the MQTT frame inspector', () => {
  it('passes packets up to the limit, split anywhere across chunks', () => {
    const stream = Buffer.concat([publish(10), publish(5_000), mqttPacket.generate({ cmd: 'pingreq' }), publish(9_000)]);
    for (const size of [1, 2, 3, 7, 100, stream.length]) {
      const inspector = createFrameInspector(10_000);
      for (let at = 0; at < stream.length; at += size) expect(inspector.feed(stream.subarray(at, at + size)), `chunks of ${size}`).toBeNull();
    }
  });

  it('reports an oversize packet from its header alone, before its body arrives', () => {
    const big = publish(2_000_000);
    const inspector = createFrameInspector(10_000);
    expect(inspector.feed(Buffer.concat([publish(10), big.subarray(0, 5)]))).toBeGreaterThan(2_000_000);
  });

  it('holds the first packet (the CONNECT, before any login) to its own, smaller limit', () => {
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'a'.repeat(9_000), keepalive: 30 });
    expect(createFrameInspector(100_000, 8_192).feed(connect.subarray(0, 4))).toBeGreaterThan(9_000);
    const small = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'air-001', keepalive: 30 });
    const inspector = createFrameInspector(100_000, 8_192);
    expect(inspector.feed(Buffer.concat([small, publish(50_000)]))).toBeNull();
  });
});
