import { readFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Every kind of bad input is refused with its code and counted, while good readings
 * published between the bad ones all land.
 */
describe('bad input is rejected, counted, and loses nothing else', () => {
  let test: TestPlatform;
  let station: MqttClient;
  let telemetry: string;
  let goodSent = 0;
  const baseMs = Date.now() - 600_000;

  const publishGood = async () => {
    goodSent += 1;
    await station.publishAsync(telemetry, JSON.stringify({ ts: baseMs + goodSent * 1_000, pm25: 20 + goodSent, pm10: 40 }), { qos: 1 });
  };
  const publishRaw = (payload: string | Buffer, topic = telemetry) => station.publishAsync(topic, payload, { qos: 1 });
  const rejected = (reason: string) => test.metric('wanxiang_readings_rejected_total', { reason });

  const login = (username: string, password: string) =>
    new Promise<number>((resolve) => {
      const client = mqtt.connect(test.endpoints.mqttUrl, { username, password, clientId: `${username}-probe-${Math.random()}`, reconnectPeriod: 0, protocolVersion: 4 });
      client.on('connect', () => { client.end(true); resolve(0); });
      client.on('error', (error) => { client.end(true); resolve((error as { code?: number }).code ?? -1); });
    });

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { maxPayloadBytes: 4_096 } });
    const device = test.device('air-dongmen');
    station = await test.connect(device);
    telemetry = test.topics.build('air', device.id, 'telemetry');
    await publishGood();
  });

  afterAll(async () => {
    await test?.close();
  });

  const payloadCases: Array<[string, string, string | Buffer]> = [
    ['malformed JSON', 'WX_ERR_MALFORMED_JSON', '{"pm25": 12,'],
    ['a bare NaN (not JSON)', 'WX_ERR_MALFORMED_JSON', '{"pm25": NaN}'],
    ['binary garbage', 'WX_ERR_MALFORMED_JSON', Buffer.from([0xff, 0x00, 0xfe, 0x7b])],
    ['a number as a string', 'WX_ERR_WRONG_TYPE', '{"pm25": "12.5"}'],
    ['null', 'WX_ERR_WRONG_TYPE', '{"pm25": null}'],
    ['"NaN" as a string', 'WX_ERR_WRONG_TYPE', '{"pm25": "NaN"}'],
    ['Infinity (1e999)', 'WX_ERR_WRONG_TYPE', '{"pm25": 1e999}'],
    ['a value beyond the plausible range', 'WX_ERR_OUT_OF_RANGE', '{"pm25": 5000}'],
    ['a negative concentration', 'WX_ERR_OUT_OF_RANGE', '{"pm10": -3}'],
    ['an unknown field', 'WX_ERR_UNKNOWN_FIELD', '{"pm25": 12, "benzene": 3}'],
    ['a field key of line-protocol specials', 'WX_ERR_UNKNOWN_FIELD', '{"pm 2,5=\\"\\\\\\n": 1}'],
    ['a value of line-protocol specials', 'WX_ERR_WRONG_TYPE', '{"pm25": "1,x=2 y\\"\\\\\\n"}'],
    ['no values at all', 'WX_ERR_EMPTY_READING', '{"ts": 1}'.replace('1', String(Date.now()))],
    ['an array of non-objects', 'WX_ERR_NOT_AN_OBJECT', '[1]'],
    ['a timestamp without a zone', 'WX_ERR_BAD_TIMESTAMP', '{"ts": "2026-11-26T10:00:00", "pm25": 10}'],
    ['a timestamp a day ahead', 'WX_ERR_TIME_IN_FUTURE', JSON.stringify({ ts: Date.now() + 86_400_000, pm25: 10 })],
    ['a timestamp a month old', 'WX_ERR_TIME_TOO_OLD', JSON.stringify({ ts: Date.now() - 30 * 86_400_000, pm25: 10 })],
    ['a payload over the size limit', 'WX_ERR_PAYLOAD_TOO_LARGE', JSON.stringify({ pm25: 10, pad: 'x'.repeat(5_000) })],
  ];

  for (const [name, code, payload] of payloadCases) {
    it(`refuses ${name} with ${code}`, async () => {
      const before = await rejected(code);
      await publishRaw(payload);
      await publishGood();
      await test.platform.ingest.drain();
      expect(await rejected(code)).toBe(before + 1);
    });
  }

  it('keeps the good readings of a batch and refuses only the bad ones', async () => {
    const before = await rejected('WX_ERR_OUT_OF_RANGE');
    goodSent += 2;
    await publishRaw(JSON.stringify([
      { ts: baseMs + (goodSent - 1) * 1_000, pm25: 11 },
      { ts: baseMs - 1_000, pm25: -1 },
      { ts: baseMs + goodSent * 1_000, pm25: 12 },
    ]));
    await test.platform.ingest.drain();
    expect(await rejected('WX_ERR_OUT_OF_RANGE')).toBe(before + 1);
  });

  it('refuses an unknown device and a wrong secret at login, counted per code', async () => {
    expect(await login('air-nowhere', 'secret')).toBe(5);
    expect(await login('air-dongmen', 'not-the-secret')).toBe(4);
    expect(await login('air,evil=1 x\\', 'secret')).toBe(5);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_UNKNOWN_DEVICE' })).toBe(2);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_BAD_CREDENTIALS' })).toBe(1);
    await publishGood();
  });

  it("refuses a publish to another device's topic and to a hostile topic, and routes neither", async () => {
    const before = await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' });
    await publishRaw(JSON.stringify({ pm25: 99 }), test.topics.build('air', 'air-nanhu', 'telemetry'));
    await publishRaw(JSON.stringify({ pm25: 99 }), 'luohu/v1/air/air-a b,c=d"\\/telemetry');
    await publishRaw(JSON.stringify({ leq: 60 }), test.topics.build('noise', 'air-dongmen', 'telemetry'));
    await publishGood();
    await test.platform.ingest.drain();
    expect(await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' })).toBe(before + 3);
    expect(await test.countPoints('air_quality', `"device" = 'air-nanhu'`)).toBe(0);
  });

  it('closes the connection of a wildcard publish and counts it', async () => {
    const device = test.device('air-guiyuan');
    const socket = connectTcp(Number(new URL(test.endpoints.mqttUrl).port), '127.0.0.1');
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.resume(); // read the CONNACK, and so see the broker's close
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device.id, keepalive: 30, username: device.id, password: Buffer.from(simulatedDeviceSecret(test.config.fleetKey, device.id)) }));
    socket.write(mqttPacket.generate({ cmd: 'publish', topic: 'luohu/v1/air/+/telemetry', payload: Buffer.from('{"pm25":1}'), qos: 0, retain: false, dup: false }));
    await closed;
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_WILDCARD_PUBLISH' })).toBe(1);
    await publishGood();
  });

  it('closes a connection whose packet is far over the limit, before buffering it', async () => {
    const device = test.device('air-cuizhu');
    const socket = connectTcp(Number(new URL(test.endpoints.mqttUrl).port), '127.0.0.1');
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.resume();
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device.id, keepalive: 30, username: device.id, password: Buffer.from(simulatedDeviceSecret(test.config.fleetKey, device.id)) }));
    // the header announces 8 MB; only its first bytes are ever sent
    socket.write(mqttPacket.generate({ cmd: 'publish', topic: test.topics.build('air', device.id, 'telemetry'), payload: Buffer.alloc(8_000_000, 0x20), qos: 0, retain: false, dup: false }).subarray(0, 1_000));
    await closed;
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' })).toBe(1);
    await publishGood();
  });

  it('lands every good reading published between the bad ones, and nothing else', async () => {
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality')).toBe(goodSent);
    const measurements = await test.platform.influx.query('SHOW MEASUREMENTS');
    expect(measurements[0]!.values.flat().sort()).toEqual(['air_quality', 'device_status']);
    const devices = await test.platform.influx.query('SHOW TAG VALUES FROM "air_quality" WITH KEY = "device"');
    expect(devices[0]!.values.map((row) => row[1])).toEqual(['air-dongmen']);
  });

  it('keeps each rejection with its raw payload and reason in the dead-letter file, counted per device', async () => {
    const lines = (await readFile(test.platform.ingest.deadLetterPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const malformed = lines.find((line) => line.code === 'WX_ERR_MALFORMED_JSON');
    expect(malformed).toMatchObject({ device: 'air-dongmen', topic: telemetry, payload: '{"pm25": 12,', payloadEncoding: 'utf8' });
    expect(lines.find((line) => line.payloadEncoding === 'base64')?.payload).toBe(Buffer.from([0xff, 0x00, 0xfe, 0x7b]).toString('base64'));
    expect(lines.find((line) => line.code === 'WX_ERR_PAYLOAD_TOO_LARGE')).toMatchObject({ truncated: true, payloadBytes: expect.any(Number) });
    const byDevice = test.platform.ingest.rejections.byDevice();
    expect(byDevice['air-dongmen']!.WX_ERR_WRONG_TYPE).toBe(5);
  });

  it('accounts for every reading per device and hour: received = written + rejected + pending', async () => {
    await test.platform.ingest.drain();
    const answer = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/accounting`)).json()) as { unexplained: number; rows: Array<{ device: string; received: number; written: number; pending: number; rejected: Record<string, number> }> };
    expect(answer.unexplained).toBe(0);
    const rows = answer.rows.filter((row) => row.device === 'air-dongmen');
    const sum = (key: 'received' | 'written' | 'pending') => rows.reduce((total, row) => total + row[key], 0);
    expect(sum('written')).toBe(goodSent);
    expect(sum('pending')).toBe(0);
    const rejected = rows.reduce((total, row) => total + Object.values(row.rejected).reduce((a, b) => a + b, 0), 0);
    expect(sum('received')).toBe(goodSent + rejected);
  });
});
