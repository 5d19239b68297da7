import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { beijingDigits as beijing, useStationPlatform } from '../helpers/hj212-station.ts';

let qn = 0;
const nextQn = () => `${beijing(0, 14)}${String((qn += 1) % 1000).padStart(3, '0')}`;
/** Load station `n` (noise, PW 123456): a frame with the answer bit, and its QN. */
const packet = (n: number, cn: string, cp: string, header = '') => {
  const id = nextQn();
  return { qn: id, frame: encodeFrame(`QN=${id};ST=23;CN=${cn};PW=123456;MN=LOAD00000000${n};Flag=${header ? 7 : 5};${header}CP=&&${cp}&&`) };
};

const stations = useStationPlatform('redteam-hj212-resend', 5);
const metric = (name: string, labels?: Record<string, string>) => stations.test.metric(name, labels);
const packets = (result: string) => metric('wanxiang_hj212_packets_total', { result });
const retransmissions = () => metric('wanxiang_hj212_retransmissions_total');

/** The accounting of one device, all hours summed: readings received and written. */
async function accountingOf(device: string): Promise<{ received: number; written: number }> {
  const answer = (await (await fetch(`${stations.test.endpoints.httpUrl}/api/v1/accounting`)).json()) as { rows: Array<{ device: string; received: number; written: number }> };
  const rows = answer.rows.filter((row) => row.device === device);
  return { received: rows.reduce((sum, row) => sum + row.received, 0), written: rows.reduce((sum, row) => sum + row.written, 0) };
}

/** The frames the platform relays to observers once stored (`<prefix>/v1/hj212/<device>`, services/hj212 onStored). */
async function observe(): Promise<{ relayed: string[]; close(): Promise<void> }> {
  const { test } = stations;
  const observer = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: `observer-resend-${qn}`, username: 'observer', password: simulatedDeviceSecret(test.config.fleetKey, 'observer'), reconnectPeriod: 0 });
  const relayed: string[] = [];
  observer.on('message', (_topic, payload) => relayed.push(payload.toString()));
  await observer.subscribeAsync(`${test.topics.prefix}/v1/hj212/+`, { qos: 0 });
  return { relayed, close: () => observer.endAsync(true) };
}

/**
 * HJ 212-2017 Table 1: a station whose 9014 does not come in 10 s sends the same frame again, up to
 * 3 times. Each copy was stored and counted: a second hj212_unknown row, the accounting, the
 * accepted packets and the live bus saw the reading three times (red team). Answered each time,
 * stored once; the copies are counted apart.
 */
describe('red team: a station sends the same frame again', () => {
  it('a real-time packet sent three times: three answers, one point, one reading counted, two retransmissions', async () => {
    const observer = await observe();
    try {
      const connection = await stations.connect();
      const [accepted, resent, received] = [await packets('accepted'), await retransmissions(), await metric('wanxiang_readings_received_total', { family: 'noise' })];
      // No DataTime: a real-time value is timed by its arrival, so each stored copy was a point of its own.
      const sent = packet(1, '2011', 'LA-Rtd=61.5');
      for (let copy = 0; copy < 3; copy += 1) {
        connection.send(sent.frame);
        expect(await connection.nextReply()).toContain(`QN=${sent.qn};ST=91;CN=9014`);
      }
      await stations.test.platform.ingest.drain();
      expect(await stations.test.countPoints('noise', `"device" = 'noise-load-0001'`)).toBe(1);
      expect(await packets('accepted')).toBe(accepted + 1);
      expect(await retransmissions()).toBe(resent + 2);
      expect(await metric('wanxiang_readings_received_total', { family: 'noise' })).toBe(received + 1);
      expect(await accountingOf('noise-load-0001')).toEqual({ received: 1, written: 1 });
      await expect.poll(() => observer.relayed.length, { timeout: 10_000 }).toBe(1);
    } finally {
      await observer.close();
    }
  }, 30_000);

  it('copies in one write, the first still on its way to the spool: each answered in order, one stored', async () => {
    const connection = await stations.connect();
    const [accepted, resent] = [await packets('accepted'), await retransmissions()];
    const sent = packet(2, '2011', `DataTime=${beijing()};LA-Rtd=58.0`);
    connection.send(Buffer.concat([sent.frame, sent.frame, sent.frame]));
    for (let copy = 0; copy < 3; copy += 1) expect(await connection.nextReply()).toContain(`QN=${sent.qn};ST=91;CN=9014`);
    await stations.test.platform.ingest.drain();
    expect(await packets('accepted')).toBe(accepted + 1);
    expect(await retransmissions()).toBe(resent + 2);
    expect(await accountingOf('noise-load-0002')).toEqual({ received: 1, written: 1 });
  }, 30_000);

  it('an upload kept raw in hj212_unknown (timed by arrival) sent three times: one row', async () => {
    const connection = await stations.connect();
    const resent = await retransmissions();
    const sent = packet(3, '3020', `DataTime=${beijing()};PolId=a34004;i12001-Info=7`);
    for (let copy = 0; copy < 3; copy += 1) {
      connection.send(sent.frame);
      expect(await connection.nextReply()).toContain(`QN=${sent.qn};ST=91;CN=9014`);
    }
    await stations.test.platform.ingest.drain();
    const rows = await stations.test.platform.influx.query(`SELECT items FROM hj212_unknown WHERE device = 'noise-load-0003'`);
    expect(rows[0]?.values.map((row) => String(row[1]))).toEqual([expect.stringContaining('i12001-Info=7')]);
    expect(await retransmissions()).toBe(resent + 2);
    expect(await accountingOf('noise-load-0003')).toEqual({ received: 1, written: 1 });
  }, 30_000);

  it('the parts of a split packet share their QN: each stored; a part sent again is not', async () => {
    const connection = await stations.connect();
    const [accepted, resent] = [await packets('accepted'), await retransmissions()];
    const id = nextQn();
    const part = (pno: number) => encodeFrame(`QN=${id};ST=23;CN=3020;PW=123456;MN=LOAD000000004;Flag=7;PNUM=3;PNO=${pno};CP=&&DataTime=${beijing()};i1200${pno}-Info=${pno}&&`);
    for (const pno of [1, 2, 3, 2]) {
      connection.send(part(pno));
      expect(await connection.nextReply()).toContain(`QN=${id};ST=91;CN=9014`);
    }
    await stations.test.platform.ingest.drain();
    const rows = await stations.test.platform.influx.query(`SELECT items FROM hj212_unknown WHERE device = 'noise-load-0004'`);
    expect(rows[0]?.values.map((row) => String(row[1])).sort()).toEqual([expect.stringContaining('i12001-Info=1'), expect.stringContaining('i12002-Info=2'), expect.stringContaining('i12003-Info=3')]);
    expect(await packets('accepted')).toBe(accepted + 3);
    expect(await retransmissions()).toBe(resent + 1);
  }, 30_000);

  // HJ/T 212-2005 packets may carry no QN: nothing tells a copy from a new reading of the same values, so each is stored.
  it('a 2005 packet without QN sent twice is stored twice', async () => {
    const connection = await stations.connect();
    const [accepted, resent] = [await packets('accepted'), await retransmissions()];
    const frame = encodeFrame('ST=23;CN=2011;PW=123456;MN=LOAD000000005;CP=&&zz001-Rtd=1&&');
    connection.send(frame);
    connection.send(frame);
    await expect.poll(() => packets('accepted'), { timeout: 10_000 }).toBe(accepted + 2);
    await stations.test.platform.ingest.drain();
    expect(await stations.test.countPoints('hj212_unknown', `"device" = 'noise-load-0005'`)).toBe(2);
    expect(await retransmissions()).toBe(resent);
  }, 30_000);
});
