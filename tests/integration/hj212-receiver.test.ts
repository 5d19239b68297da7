import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { connectStation, parseStationUrl, type StationConnection } from '../../simulators/hj212-client.ts';
import { stationIds, writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { vectors, wire } from '../fixtures/hj212-vectors.ts';
import { firstRowHas } from '../helpers/hj212-audit.ts';
import { byStation, nextReplies } from '../helpers/hj212-replies.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

let test: TestPlatform;
let dir: string;
let url: { host: string; port: number };
const open: StationConnection[] = [];
const station = async () => {
  const connection = await connectStation(url);
  open.push(connection);
  return connection;
};
const text = (name: keyof typeof vectors) => `${vectors[name]}\r\n`;

/** Rows of an InfluxQL query, polled until `ready` says they are there (the drainer writes within ~100 ms). */
async function rowsWhen(query: string, ready: (rows: Array<Record<string, unknown>>) => boolean): Promise<Array<Record<string, unknown>>> {
  for (let attempt = 0; ; attempt += 1) {
    const series = await test.platform.influx.query(query);
    const rows = series.flatMap(({ columns, values }) => values.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]]))));
    if (ready(rows) || attempt > 200) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxiang-hj212-'));
  const registryFile = await writeStationRegistry(dir, 500);
  // The vectors are from 2016-2024: the age limit is lifted so that their data lands.
  test = await startTestPlatform({ registryFile, hj212: { port: 0, maxSegmentBytes: 1_024, frameTimeoutMs: 2_000 }, ingest: { maxAgeMs: 20 * 365 * 24 * 3_600_000 } });
  url = parseStationUrl(test.endpoints.hj212Url!);
}, 120_000);

afterAll(async () => {
  await Promise.all(open.map((connection) => connection.close()));
  await test?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('HJ 212 receiver over a real socket', () => {
  it('answers TV8 exactly, after storing the hour with its flags: NO2 (C) and O3 (M) invalid, the rest valid', async () => {
    const connection = await station();
    connection.send(wire('tv8Flags'));
    expect(await connection.nextReply()).toBe(text('tv8Reply'));
    const hour = { time: Date.parse('2024-06-01T08:00:00+08:00'), pm25_ugm3: 35.2, pm10_ugm3: 61, so2_ugm3: 8, co_mgm3: 0.62, pm25_ugm3_flag: 'N', no2_ugm3_invalid: 27, no2_ugm3_flag: 'C', o3_ugm3_invalid: 118, o3_ugm3_flag: 'M' };
    const [row] = await rowsWhen(`SELECT * FROM air_quality_hj212 WHERE device = '${stationIds.air}' AND "interval" = 'hour'`, firstRowHas(hour));
    expect(row).toMatchObject(hour);
    // Invalid values never reach the fields rollups, compliance, alarms and the live view read.
    expect(row!.no2_ugm3 ?? null).toBeNull();
    expect(row!.o3_ugm3 ?? null).toBeNull();
  });

  it('TV5: LA goes to the co-located noise device, in real time; answered exactly', async () => {
    const connection = await station();
    connection.send(wire('tv5NoiseRtd'));
    expect(await connection.nextReply()).toBe(text('tv5Reply'));
    const [row] = await rowsWhen(`SELECT la_dba, "interval" FROM noise WHERE device = '${stationIds.noise}'`, (rows) => rows.length > 0);
    expect(row).toMatchObject({ time: Date.parse('2016-08-01T08:58:57+08:00'), la_dba: 50.1, interval: 'rtd' });
  });

  it('TV4: codes no family takes are kept raw, and the packet is still answered exactly', async () => {
    const connection = await station();
    connection.send(wire('tv4HourAck'));
    expect(await connection.nextReply()).toBe(text('tv4Reply'));
    const [row] = await rowsWhen(`SELECT items, cn FROM hj212_unknown WHERE device = '${stationIds.air3}'`, (rows) => rows.length > 0);
    expect(row!.items).toBe('a34006-Avg=2.69700;a34006-Flag=N;a34007-Avg=7.96600;a34007-Flag=N;a34048-Avg=3.30600;a34048-Flag=N;a34047-Avg=7.35700;a34047-Flag=N;a34049-Avg=10.66300;a34049-Flag=N');
    expect(await test.metric('wanxiang_hj212_unknown_codes_total')).toBeGreaterThanOrEqual(10);
  });

  it('TV2 (no answer bit), TV10 (bad CRC) and TV12 (MODBUS from a strict station) get no answer; the next packet does', async () => {
    const connection = await station();
    const badCrc = await test.metric('wanxiang_hj212_packets_total', { result: 'bad_crc' });
    connection.send(Buffer.concat([wire('tv2AirMinute'), wire('tv10BadCrc'), wire('tv12ModbusSwapped'), wire('tv15TimeRequest')]));
    expect(await connection.nextReply()).toBe(text('tv15Reply'));
    expect(await test.metric('wanxiang_hj212_packets_total', { result: 'bad_crc' })).toBe(badCrc + 2);
    // Every factor, not the first row seen: under load a packet's lines may land in two writes.
    const [row] = await rowsWhen(`SELECT * FROM air_quality_hj212 WHERE device = '${stationIds.air2}' AND "interval" = 'minute'`, (rows) => rows.length > 0 && ['no2_ugm3', 'o3_ugm3', 'so2_ugm3', 'co_mgm3', 'pm25_ugm3', 'pm10_ugm3'].every((field) => rows[0]![field] != null));
    expect(row).toMatchObject({ time: Date.parse('2022-05-13T16:26:00+08:00'), no2_ugm3: 4, o3_ugm3: 63, so2_ugm3: 6, co_mgm3: 0.427, pm25_ugm3: 14, pm10_ugm3: 31 });
  });

  it('TV7: each part of a split packet is answered with its own QN; the hour holds all three factors', async () => {
    const connection = await station();
    connection.send(wire('tv7Split1'));
    expect(await connection.nextReply()).toBe(text('tv7Reply1'));
    connection.send(wire('tv7Split2'));
    expect(await connection.nextReply()).toBe(text('tv7Reply2'));
    const hour = { time: Date.parse('2016-08-01T08:00:00+08:00'), ph: 7.5, ph_min: 7.1, ph_max: 7.8, ph_flag: 'N', cod_mgl: 40.1, cod_mgl_cou: 63, interval: 'hour' };
    const [row] = await rowsWhen(`SELECT * FROM water_quality_hj212 WHERE device = '${stationIds.water}'`, firstRowHas(hour));
    expect(row).toMatchObject(hour);
    expect(await test.metric('wanxiang_hj212_split_sets_total', { outcome: 'complete' })).toBeGreaterThanOrEqual(1);
  });

  it('TV9 (2005 codes, no Flag) lands without an answer; TV3 (lower-case CRC, version 2) too', async () => {
    const connection = await station();
    connection.send(Buffer.concat([wire('tv9Old2005'), wire('tv3WaterLowerCrc'), wire('tv15TimeRequest')]));
    expect(await connection.nextReply()).toBe(text('tv15Reply'));
    const [old] = await rowsWhen(`SELECT cod_mgl, nh3n_mgl, cod_mgl_flag FROM water_quality WHERE device = '${stationIds.water}'`, (rows) => rows.length > 0);
    expect(old).toMatchObject({ time: Date.parse('2016-08-24T00:38:17+08:00'), cod_mgl: 231, nh3n_mgl: 1.803, cod_mgl_flag: 'N' });
    const [surface] = await rowsWhen(`SELECT ph, do_mgl, turbidity_ntu, nh3n_mgl FROM water_quality WHERE device = '${stationIds.water2}'`, (rows) => rows.length > 0);
    expect(surface).toMatchObject({ ph: 8.33, do_mgl: 10.15, turbidity_ntu: 13.1, nh3n_mgl: 0.09055002 });
  });

  it('TV11: a compat station\'s CRC-16/ARC and vendor names (PM25, TEMP, HUMI) are taken; the API says which CRC matched, never the PW hash', async () => {
    const connection = await station();
    connection.send(wire('tv11Arc'));
    connection.send(wire('tv15TimeRequest')); // the time request of the Appendix C station, on the same connection
    expect(await connection.nextReply()).toBe(text('tv15Reply'));
    const [row] = await rowsWhen(`SELECT pm25_ugm3, temp_c, rh_pct FROM air_quality WHERE device = '${stationIds.air4}'`, (rows) => rows.length > 0);
    expect(row).toMatchObject({ pm25_ugm3: 2, temp_c: 22, rh_pct: 43.5 });
    const { devices } = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/devices?family=air`)).json()) as { devices: Array<{ id: string; protocol: string; hj212?: Record<string, unknown> }> };
    const view = devices.find((device) => device.id === stationIds.air4)!;
    expect(view.protocol).toBe('hj212');
    expect(view.hj212).toMatchObject({ mn: '8888888826462285', crc: 'compat', crcVariant: 'arc', version: 0 });
    expect(view.hj212!.lastPacketAt).toMatch(/^\d{4}-/);
    expect(JSON.stringify(devices)).not.toContain('scrypt$');
    expect(devices.find((device) => device.id === 'air-sungang')!.protocol).toBe('mqtt');
  });

  it('a station\'s own hour (2061) starting 23:00 Beijing is the hour labelled 24:00 (00:00 next day), and rollups use it over the real-time mean', async () => {
    const connection = await station();
    const packet = (qn: string, cn: string, dataTime: string, cp: string) => encodeFrame(`QN=${qn};ST=22;CN=${cn};PW=123456;MN=JLYP01_AIR01_0001;Flag=5;CP=&&DataTime=${dataTime};${cp}&&`);
    // Real-time values of that hour (their mean would be 10) and the station's own hour: PM2.5 40, NO2 30 under calibration.
    connection.send(packet('20240602000001001', '2011', '20240601231000', 'a34004-Rtd=10,a34004-Flag=N'));
    connection.send(packet('20240602000001002', '2011', '20240601234000', 'a34004-Rtd=10,a34004-Flag=N'));
    connection.send(packet('20240602000101003', '2061', '20240601230000', 'a34004-Avg=40,a34004-Flag=N;a21004-Avg=30,a21004-Flag=C'));
    for (let i = 0; i < 3; i += 1) await connection.nextReply();
    const dayStart = Date.parse('2024-06-01T00:00:00+08:00');
    await rowsWhen(`SELECT count(pm25_ugm3) FROM air_quality WHERE device = '${stationIds.air2}' AND time >= ${dayStart}ms`, (rows) => Number(rows[0]?.count ?? 0) >= 2);
    await test.platform.rollups.recomputeRange(dayStart, dayStart + 86_400_000, ['air']);
    const label = Date.parse('2024-06-02T00:00:00+08:00');
    const [hour] = await rowsWhen(`SELECT * FROM air_hourly WHERE device = '${stationIds.air2}' AND time = ${label}ms`, (rows) => rows.length > 0);
    expect(hour).toMatchObject({ time: label, pm25_ugm3: 40, coverage_min: 60 });
    expect(hour!.no2_ugm3 ?? null).toBeNull(); // flagged C by the station: not a valid hour for NO2
  });

  it('refuses an unknown MN and a wrong PW without an answer, counted', async () => {
    const connection = await station();
    const unknown = await test.metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' });
    const badPw = await test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' });
    connection.send(encodeFrame('QN=20240601090000001;ST=22;CN=2011;PW=123456;MN=NOSUCHSTATION;Flag=5;CP=&&DataTime=20240601085857;a34004-Rtd=10&&'));
    connection.send(encodeFrame('QN=20240601090000002;ST=22;CN=2011;PW=654321;MN=JLYP01_AIR01_0001;Flag=5;CP=&&DataTime=20240601085857;a34004-Rtd=10&&'));
    connection.send(wire('tv15TimeRequest'));
    expect(await connection.nextReply()).toBe(text('tv15Reply'));
    expect(await test.metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' })).toBe(unknown + 1);
    expect(await test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' })).toBe(badPw + 1);
  });

  it('skips garbage and an oversize frame, and survives a station killed mid-frame', async () => {
    const killed = await station();
    killed.send(wire('tv8Flags').subarray(0, 100));
    killed.socket.destroy();
    const connection = await station();
    const oversize = `##2000${'x'.repeat(40)}`;
    connection.send(Buffer.concat([Buffer.from('AT+CSQ\r\nDTU 861234\r\n'), Buffer.from(oversize), wire('tv5NoiseRtd')]));
    expect(await connection.nextReply()).toBe(text('tv5Reply'));
    // The whole oversize frame is counted as such (not 2 bytes, then garbage), and refused once with its code (issue 20 audit).
    expect(await test.metric('wanxiang_hj212_skipped_bytes_total', { reason: 'oversize' })).toBeGreaterThanOrEqual(oversize.length);
    expect(await test.metric('wanxiang_hj212_skipped_bytes_total', { reason: 'garbage' })).toBeGreaterThan(0);
    const deadLetter = (await readFile(test.platform.ingest.deadLetterPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { code: string; message: string });
    expect(deadLetter.filter((entry) => entry.code === 'WX_ERR_STATION_OVERSIZE')).toEqual([expect.objectContaining({ message: expect.stringContaining('declared 2000 bytes') })]);
  });

  it('closes a connection whose frame never ends (slow-loris)', async () => {
    const connection = await station();
    const closedBefore = await test.metric('wanxiang_hj212_connections_closed_total', { reason: 'slow_frame' });
    const closed = new Promise<void>((resolve) => connection.socket.once('close', () => resolve()));
    connection.send(Buffer.from('##0122QN=2016'));
    await closed;
    expect(await test.metric('wanxiang_hj212_connections_closed_total', { reason: 'slow_frame' })).toBe(closedBefore + 1);
  });

  it('answers every packet of any re-chunking of the stream, each station\'s in its order', async () => {
    const answered = ['tv8Flags', 'tv5NoiseRtd', 'tv7Split1', 'tv7Split2', 'tv15TimeRequest', 'tv4HourAck'] as const;
    const replies = ['tv8Reply', 'tv5Reply', 'tv7Reply1', 'tv7Reply2', 'tv15Reply', 'tv4Reply'] as const;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: answered.length - 1 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), async (picks, sizes) => {
        const connection = await station();
        const stream = Buffer.concat(picks.flatMap((pick) => [Buffer.from('~junk~'), wire(answered[pick]!)]));
        for (let at = 0, i = 0; at < stream.length; i += 1) {
          const size = sizes[i % sizes.length]!;
          connection.send(stream.subarray(at, at + size));
          at += size;
          await new Promise((resolve) => setImmediate(resolve)); // separate writes, so TCP may cut them apart
        }
        // Two stations (TV4's MN and the rest's): each station's answers in the order of its packets, exact, all of them;
        // the two stations' may interleave (answer-order.ts).
        const received = await nextReplies(connection, picks.length);
        expect(byStation(received)).toEqual(byStation(picks.map((pick) => text(replies[pick]!))));
        await connection.close();
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it('takes 500 stations at once, each answered for its own packet', async () => {
    const connections = await Promise.all(Array.from({ length: 500 }, () => station()));
    const qn = (i: number) => `20240601085857${String(i).padStart(3, '0')}`;
    const mn = (i: number) => `LOAD${String(i + 1).padStart(9, '0')}`;
    connections.forEach((connection, i) => connection.send(encodeFrame(`QN=${qn(i)};ST=23;CN=2011;PW=123456;MN=${mn(i)};Flag=5;CP=&&DataTime=20240601085857;LA-Rtd=${50 + (i % 10)}&&`)));
    const answers = await Promise.all(connections.map((connection) => connection.nextReply()));
    answers.forEach((answer, i) => expect(answer).toBe(encodeFrame(`QN=${qn(i)};ST=91;CN=9014;PW=123456;MN=${mn(i)};Flag=4;CP=&&&&`).toString()));
    const [count] = await rowsWhen(`SELECT COUNT(la_dba) FROM noise WHERE device =~ /^noise-load-/`, (rows) => Number(rows[0]?.count ?? 0) >= 500);
    expect(count!.count).toBe(500);
  }, 120_000);
});
