import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { hj212Crc, crcText } from '../../services/hj212/crc.ts';
import { createFramer } from '../../services/hj212/framer.ts';
import { parseSegment } from '../../services/hj212/packet.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { beijingDigits as beijing, useStationPlatform } from '../helpers/hj212-station.ts';
let qn = 0;
const nextQn = () => `${beijing(0, 14)}${String((qn += 1) % 1000).padStart(3, '0')}`;
/** A packet of the load station `n` (noise, PW 123456) with the answer bit: its QN and frame. */
const packet = (n: number, cn: string, cp: string) => {
  const id = nextQn();
  return { qn: id, frame: encodeFrame(`QN=${id};ST=23;CN=${cn};PW=123456;MN=LOAD00000000${n};Flag=5;CP=&&${cp}&&`) };
};

const stations = useStationPlatform('redteam-hj212-stored', 3);
const station = () => stations.connect();

/**
 * What the platform relays of a stored frame to observers (`<prefix>/v1/hj212/<device>`, which
 * `wanxiang record` keeps): an observer is read-only, and the station's PW in the frame let it
 * send as any station (red team 1). The PW is masked, the frame still a valid one.
 */
describe('red team: HJ 212 frames relayed to observers', () => {
  it('carries PW=****** with its length and CRC computed afresh, and nothing else changed', async () => {
    const observer = await mqtt.connectAsync(stations.test.endpoints.mqttUrl, { clientId: 'observer-redteam', username: 'observer', password: simulatedDeviceSecret(stations.test.config.fleetKey, 'observer'), reconnectPeriod: 0 });
    try {
      const relayed: Buffer[] = [];
      observer.on('message', (_topic, payload) => relayed.push(payload));
      await observer.subscribeAsync(`${stations.test.topics.prefix}/v1/hj212/+`, { qos: 0 });
      const connection = await station();
      const sent = packet(3, '2011', `DataTime=${beijing()};LA-Rtd=50.5`);
      connection.send(sent.frame);
      expect(await connection.nextReply()).toContain('PW=123456'); // the station's own answer echoes its PW (HJ 212-2017 C.14)
      await expect.poll(() => relayed.length, { timeout: 10_000 }).toBe(1);
      const frame = relayed[0]!;
      expect(frame.toString()).not.toContain('123456');
      const [event] = createFramer({ maxSegmentBytes: 9_999 }).push(frame);
      expect(event?.kind).toBe('frame');
      if (event?.kind !== 'frame') return;
      expect(event.frame).toMatchObject({ lengthUnit: 'bytes', tail: 'crlf', declaredLength: event.frame.segment.length, crc: crcText(hj212Crc(event.frame.segment)) });
      const parsed = parseSegment(event.frame.segment);
      const original = parseSegment(sent.frame.subarray(6, -6));
      expect(parsed.ok && original.ok).toBe(true);
      if (!parsed.ok || !original.ok) return;
      expect(parsed.packet).toEqual({ ...original.packet, pw: '******' });
    } finally {
      await observer.endAsync(true);
    }
  }, 30_000);
});

/**
 * What a logged-in station sends that the store cannot keep as it is (red team 6): a CR in a
 * value is refused alone, with its code; the rest of the packet is stored and answered.
 */
describe('red team: HJ 212 values with a line break', () => {
  const unencodable = () => stations.test.metric('wanxiang_readings_rejected_total', { reason: 'WX_ERR_UNENCODABLE' });

  it('answers and stores a real-time packet whose unknown code holds a CR, refusing that value alone', async () => {
    const connection = await station();
    const before = await unencodable();
    const dataTime = beijing(60_000);
    const sent = packet(1, '2011', `DataTime=${dataTime};LA-Rtd=51.5;zz001-Rtd=line1\rline2`);
    connection.send(sent.frame);
    expect(await connection.nextReply()).toContain(`QN=${sent.qn};ST=91;CN=9014`);
    expect(await unencodable()).toBe(before + 1);
    await stations.test.platform.ingest.drain();
    const rows = await stations.test.platform.influx.query(`SELECT la_dba FROM noise WHERE device = 'noise-load-0001' AND "interval" = 'rtd'`);
    expect(rows[0]?.values.map((row) => row[1])).toEqual([51.5]);
  }, 20_000);

  it('answers a 3020 upload whose info text holds a CR, keeping its other items raw', async () => {
    const connection = await station();
    const before = await unencodable();
    const sent = packet(2, '3020', `DataTime=${beijing()};PolId=a34004;i11001-Info=restart\rok;i12001-Info=0`);
    connection.send(sent.frame);
    expect(await connection.nextReply()).toContain(`QN=${sent.qn};ST=91;CN=9014`);
    expect(await unencodable()).toBe(before + 1);
    await stations.test.platform.ingest.drain();
    const rows = await stations.test.platform.influx.query(`SELECT items, cn FROM hj212_unknown WHERE device = 'noise-load-0002'`);
    const items = rows[0]?.values.map((row) => String(row[1])) ?? [];
    expect(items).toHaveLength(1);
    expect(items[0]).toContain('i12001-Info=0');
    expect(items[0]).not.toContain('restart');
  }, 20_000);

  it('answers a packet whose CN itself holds a CR: its items are refused, the connection goes on', async () => {
    const connection = await station();
    const before = await unencodable();
    const sent = packet(2, '30\r20', 'i12001-Info=1');
    connection.send(sent.frame);
    const control = packet(2, '2011', `DataTime=${beijing()};LA-Rtd=49.0`);
    connection.send(control.frame);
    expect(await connection.nextReply()).toContain(`QN=${sent.qn};`);
    expect(await connection.nextReply()).toContain(`QN=${control.qn};`);
    expect(await unencodable()).toBe(before + 1);
  }, 20_000);
});

/**
 * A station's text used as a key of the receiver's tables (red team 5): `CN=constructor` threw
 * (no answer, nothing counted), `LA-toString=x` was stored as a field named after a function.
 * Such a CN is an upload like 2021 (kept raw, answered); such a suffix an unknown item.
 */
describe('red team: HJ 212 codes and suffixes named like Object’s own properties', () => {
  const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

  it('answers a packet whose CN is one, keeping its items raw under the station', async () => {
    const connection = await station();
    const failed = await stations.test.metric('wanxiang_hj212_packets_total', { result: 'failed' });
    for (const cn of names) {
      const sent = packet(3, cn, `DataTime=${beijing()};LA-Rtd=50.0`);
      connection.send(sent.frame);
      expect(await connection.nextReply(), cn).toContain(`QN=${sent.qn};ST=91;CN=9014`);
    }
    expect(await stations.test.metric('wanxiang_hj212_packets_total', { result: 'failed' })).toBe(failed);
    await stations.test.platform.ingest.drain();
    const rows = await stations.test.platform.influx.query(`SELECT items, cn FROM hj212_unknown WHERE device = 'noise-load-0003' AND cn =~ /^[a-zA-Z_]+$/`);
    expect(rows[0]?.values.map((row) => row[2]).sort()).toEqual([...names].sort());
  }, 20_000);

  it('keeps such suffixes of a known code as unknown items: the family gains no field', async () => {
    const connection = await station();
    const sent = packet(3, '2011', `DataTime=${beijing(30_000)};LA-Rtd=50.2;${names.map((name) => `LA-${name}=x`).join(';')};LA-Flag=N`);
    connection.send(sent.frame);
    expect(await connection.nextReply()).toContain(`QN=${sent.qn};ST=91;CN=9014`);
    await stations.test.platform.ingest.drain();
    const fields = (await stations.test.platform.influx.query('SHOW FIELD KEYS FROM noise'))[0]?.values.map((row) => String(row[0])) ?? [];
    expect(fields).toContain('la_dba');
    expect(fields.filter((field) => /function|object|constructor|proto|tostring|valueof|hasownproperty/i.test(field))).toEqual([]);
    const kept = await stations.test.platform.influx.query(`SELECT items FROM hj212_unknown WHERE device = 'noise-load-0003' AND cn = '2011'`);
    expect(String(kept[0]?.values.at(-1)?.[1])).toContain('LA-constructor=x');
  }, 20_000);
});

/**
 * A DataTime is Beijing time read to epoch ms; it was then held to the age limits as MQTT's `ts`
 * is, where a number below 10^11 is epoch SECONDS. A logger whose clock reset to 1970 and ran
 * three weeks sends DataTimes of 1970-01-22, and those were stored as today's readings (red team 11).
 */
describe('red team: HJ 212 DataTime of January 1970', () => {
  /** The DataTime whose epoch ms, read as seconds, is `agoMs` before now: 1970-01-22 for today. */
  const asSecondsWouldBe = (agoMs: number) => new Date(Math.floor((Date.now() - agoMs) / 1_000) + 8 * 3_600_000).toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);

  it('is refused as too old, in real-time and hourly packets, and nothing is stored for it', async () => {
    const connection = await station();
    const tooOld = () => stations.test.metric('wanxiang_readings_rejected_total', { reason: 'WX_ERR_TIME_TOO_OLD' });
    const before = await tooOld();
    const dataTime = asSecondsWouldBe(3_600_000);
    expect(dataTime.startsWith('197001')).toBe(true);
    const realTime = packet(1, '2011', `DataTime=${dataTime};LA-Rtd=61.25`);
    connection.send(realTime.frame);
    expect(await connection.nextReply()).toContain(`QN=${realTime.qn};ST=91;CN=9014`);
    const hourly = packet(1, '2061', `DataTime=${dataTime.slice(0, 10)}0000;LA-Avg=62.25`);
    connection.send(hourly.frame);
    expect(await connection.nextReply()).toContain(`QN=${hourly.qn};ST=91;CN=9014`);
    expect(await tooOld()).toBe(before + 2);
    await stations.test.platform.ingest.drain();
    const stored = await stations.test.platform.influx.query(`SELECT la_dba FROM noise WHERE la_dba = 61.25`);
    const storedHourly = await stations.test.platform.influx.query(`SELECT la_dba FROM noise_hj212 WHERE la_dba = 62.25`);
    expect([...stored, ...storedHourly].flatMap((series) => series.values)).toEqual([]);
  }, 20_000);
});

/**
 * A logger back from an outage uploads its backlog (补传): hourly values of the days it held. Held
 * to MQTT's 7 days, a 10-day outage's history was answered 9014 (the logger deletes what is
 * answered) and dropped, counted `accepted` (red team 11). Stations' DataTimes may be a year old.
 */
describe('red team: an HJ 212 backlog after an outage', () => {
  const digitsAgo = (agoMs: number) => new Date(Date.now() - agoMs + 8 * 3_600_000).toISOString().replace(/[-:T.Z]/g, '').slice(0, 10);
  const results = (result: string) => stations.test.metric('wanxiang_hj212_packets_total', { result });

  it('stores hourly values three weeks old, and answers a packet older than a year as refused, storing nothing', async () => {
    const connection = await station();
    const [acceptedBefore, refusedBefore] = [await results('accepted'), await results('refused')];
    const backlog = packet(2, '2061', `DataTime=${digitsAgo(21 * 24 * 3_600_000)}0000;LA-Avg=63.75`);
    connection.send(backlog.frame);
    expect(await connection.nextReply()).toContain(`QN=${backlog.qn};ST=91;CN=9014`);
    const ancient = packet(2, '2061', `DataTime=${digitsAgo(400 * 24 * 3_600_000)}0000;LA-Avg=64.75`);
    connection.send(ancient.frame);
    expect(await connection.nextReply()).toContain(`QN=${ancient.qn};ST=91;CN=9014`);
    expect(await results('accepted')).toBe(acceptedBefore + 1);
    expect(await results('refused')).toBe(refusedBefore + 1);
    await stations.test.platform.ingest.drain();
    const stored = await stations.test.platform.influx.query('SELECT la_dba FROM noise_hj212 WHERE la_dba = 63.75 OR la_dba = 64.75');
    expect(stored.flatMap((series) => series.values.map((row) => row[1]))).toEqual([63.75]);
  }, 20_000);
});
