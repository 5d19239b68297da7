import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { audit, reply, someRows, useAuditPlatform } from '../helpers/hj212-audit.ts';
import { byStation, nextReplies } from '../helpers/hj212-replies.ts';
import { stationIds } from '../fixtures/hj212-registry.ts';
import { vectors } from '../fixtures/hj212-vectors.ts';

/**
 * The HJ 212 receiver against the data cases of reference/hj212.md that issue 20 does not list,
 * each over a real socket: interval boundaries, every data flag, co-located families, registry
 * changes while connected, a logger carrying many stations.
 */
const { station, probe, rowsWhen, test: platform } = useAuditPlatform();

describe('HJ 212 intervals at day, month and year boundaries (reference §4, §8; issue 20 item 4)', () => {
  const hourPacket = (qn: string, dataTime: string, pm25: number) => encodeFrame(`QN=${qn};ST=22;CN=2061;PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&DataTime=${dataTime};a34004-Avg=${pm25},a34004-Flag=N&&`);

  it.each([
    ['a year', '20241231230000', '2024-12-31T00:00:00+08:00', '2025-01-01T00:00:00+08:00', 31],
    ['a month', '20240630230000', '2024-06-30T00:00:00+08:00', '2024-07-01T00:00:00+08:00', 32],
  ])('the hour starting 23:00 on the last day of %s is stored at its start and labelled with its end in air_hourly', async (_what, dataTime, dayStart, label, pm25) => {
    const connection = await station();
    const qn = `${dataTime.slice(0, 8)}235959001`;
    connection.send(hourPacket(qn, dataTime, pm25));
    expect(await connection.nextReply()).toBe(reply(qn, audit.generic.mn, 4));
    const start = Date.parse(`${dayStart.slice(0, 10)}T23:00:00+08:00`);
    await rowsWhen(`SELECT pm25_ugm3 FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${start}ms`, someRows);
    await platform().platform.rollups.recomputeRange(Date.parse(dayStart), Date.parse(dayStart) + 86_400_000, ['air']);
    const [hour] = await rowsWhen(`SELECT pm25_ugm3 FROM air_hourly WHERE device = '${audit.generic.id}' AND time = ${Date.parse(label)}ms`, someRows);
    expect(hour).toMatchObject({ time: Date.parse(label), pm25_ugm3: pm25 });
  });

  it('day data (2031) with DataTime 00:00 Beijing is the day starting at 16:00 UTC the evening before, tagged day', async () => {
    const connection = await station();
    connection.send(encodeFrame(`QN=20240602001000001;ST=32;CN=2031;PW=123456;MN=${audit.water.mn};Flag=5;CP=&&DataTime=20240601000000;w21003-Min=0.2,w21003-Avg=0.4,w21003-Max=0.9,w21003-Flag=N&&`));
    expect(await connection.nextReply()).toBe(reply('20240602001000001', audit.water.mn, 4));
    const [row] = await rowsWhen(`SELECT nh3n_mgl, nh3n_mgl_min, nh3n_mgl_max, "interval" FROM water_quality_hj212 WHERE device = '${audit.water.id}' AND "interval" = 'day'`, someRows);
    expect(row).toMatchObject({ time: Date.parse('2024-05-31T16:00:00Z'), nh3n_mgl: 0.4, nh3n_mgl_min: 0.2, nh3n_mgl_max: 0.9, interval: 'day' });
  });

  it('a station whose logger runs in UTC (utcOffsetMinutes 0) has its DataTime read in UTC', async () => {
    const connection = await station();
    connection.send(encodeFrame(`QN=20240601090000001;ST=22;CN=2061;PW=123456;MN=${audit.utc.mn};Flag=5;CP=&&DataTime=20240601010000;a34004-Avg=17,a34004-Flag=N&&`));
    expect(await connection.nextReply()).toBe(reply('20240601090000001', audit.utc.mn, 4));
    const [row] = await rowsWhen(`SELECT pm25_ugm3 FROM air_quality_hj212 WHERE device = '${audit.utc.id}'`, someRows);
    expect(row).toMatchObject({ time: Date.parse('2024-06-01T01:00:00Z'), pm25_ugm3: 17 });
  });

  it('real-time data at midnight Beijing keeps its instant', async () => {
    const connection = await station();
    connection.send(encodeFrame(`QN=20240601000000001;ST=22;CN=2011;PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&DataTime=20240601000000;a34002-Rtd=44&&`));
    expect(await connection.nextReply()).toBe(reply('20240601000000001', audit.generic.mn, 4));
    const [row] = await rowsWhen(`SELECT pm10_ugm3 FROM air_quality WHERE device = '${audit.generic.id}' AND time = ${Date.parse('2024-05-31T16:00:00Z')}ms`, someRows);
    expect(row).toMatchObject({ pm10_ugm3: 44 });
  });
});

describe('HJ 212 data flags (Table 8; reference §4, §9.9)', () => {
  it('F, M, S, D, C and B are stored apart as invalid; T and a vendor\'s letter stay in the field, flagged; unflagged stays', async () => {
    const connection = await station();
    const codes = { F: 'a34004', M: 'a34002', S: 'a21026', D: 'a21004', C: 'a05024', B: 'a21005', T: 'a01001', X: 'a01002' } as const;
    const cp = Object.entries(codes).map(([flag, code]) => `${code}-Avg=5,${code}-Flag=${flag}`).join(';');
    connection.send(encodeFrame(`QN=20240601110500001;ST=22;CN=2061;PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&DataTime=20240601100000;${cp};a01006-Avg=101.3&&`));
    expect(await connection.nextReply()).toBe(reply('20240601110500001', audit.generic.mn, 4));
    // The packet's valid and invalid values may reach InfluxDB in two writes, and a query running
    // beside a write can see some of a point's fields before the rest: wait for every field asserted.
    const invalidFields = ['pm25_ugm3', 'pm10_ugm3', 'so2_ugm3', 'no2_ugm3', 'o3_ugm3', 'co_mgm3'];
    const expected = [...invalidFields.flatMap((field) => [`${field}_invalid`, `${field}_flag`]), 'temp_c', 'temp_c_flag', 'rh_pct', 'rh_pct_flag', 'pressure_hpa'];
    const whole = (rows: Array<Record<string, unknown>>) => rows.length > 0 && expected.every((field) => rows[0]![field] !== undefined && rows[0]![field] !== null);
    const [row] = await rowsWhen(`SELECT * FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${Date.parse('2024-06-01T10:00:00+08:00')}ms`, whole);
    for (const field of invalidFields) {
      expect(row![field] ?? null, field).toBeNull();
      expect(row![`${field}_invalid`], field).toBe(5);
    }
    expect(row).toMatchObject({ pm25_ugm3_flag: 'F', pm10_ugm3_flag: 'M', so2_ugm3_flag: 'S', no2_ugm3_flag: 'D', o3_ugm3_flag: 'C', co_mgm3_flag: 'B' });
    expect(row).toMatchObject({ temp_c: 5, temp_c_flag: 'T', rh_pct: 5, rh_pct_flag: 'X', pressure_hpa: 1013 });
    expect(row!.pressure_hpa_flag ?? null).toBeNull();
  });
});

describe('HJ 212 stations, families and the registry while connected', () => {
  it('TV16 from a station without a co-located noise device: answered exactly, the air codes stored, LA and the odd codes kept as unknown', async () => {
    const connection = await station();
    connection.send(Buffer.from(`${vectors.tv16MicroStation}\r\n`));
    expect(await connection.nextReply()).toBe(`${vectors.tv16Reply}\r\n`);
    const [row] = await rowsWhen(`SELECT so2_ugm3, no2_ugm3, co_mgm3, pm25_ugm3, pm10_ugm3 FROM air_quality WHERE device = '${audit.micro.id}'`, someRows);
    expect(row).toMatchObject({ time: Date.parse('2024-11-15T19:04:08+08:00'), so2_ugm3: 117, no2_ugm3: 16, co_mgm3: 0.14, pm25_ugm3: 6, pm10_ugm3: 6 });
    const [unknown] = await rowsWhen(`SELECT items FROM hj212_unknown WHERE device = '${audit.micro.id}'`, someRows);
    expect(String(unknown!.items)).toContain('LA-Rtd=49');
    expect(String(unknown!.items)).toContain('o31104-Rtd=29');
  });

  it('the same codes of two families go to the co-located device when the registry names it (LA → noise)', async () => {
    const connection = await station();
    const qn = '20240601091000001';
    connection.send(encodeFrame(`QN=${qn};ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20240601091000;a34004-Rtd=9;LA-Rtd=61.5&&`));
    expect(await connection.nextReply()).toBe(reply(qn, '010000A8900016F000169DC0', 4));
    const time = Date.parse('2024-06-01T09:10:00+08:00');
    const [noise] = await rowsWhen(`SELECT la_dba FROM noise WHERE device = '${stationIds.noise}' AND time = ${time}ms`, someRows);
    expect(noise).toMatchObject({ la_dba: 61.5 });
    const [air] = await rowsWhen(`SELECT pm25_ugm3 FROM air_quality WHERE device = '${stationIds.air}' AND time = ${time}ms`, someRows);
    expect(air).toMatchObject({ pm25_ugm3: 9 });
  });

  it('a station removed from the registry while connected is refused at its next packet; the other station on the connection goes on', async () => {
    const connection = await station();
    const send = (qn: string) => connection.send(encodeFrame(`QN=${qn};ST=23;CN=2011;PW=123456;MN=${audit.doomed.mn};Flag=5;CP=&&DataTime=20240601091500;LA-Rtd=55&&`));
    send('20240601091500001');
    expect(await connection.nextReply()).toBe(reply('20240601091500001', audit.doomed.mn, 4));
    const unknown = await platform().metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' });
    const file = platform().platform.registry.file;
    platform().platform.registry.replace({ ...file, devices: file.devices.filter((device) => device.id !== audit.doomed.id) });
    send('20240601091500002');
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
    expect(await platform().metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' })).toBe(unknown + 1);
  });

  it('a data logger carrying 20 stations on one connection: every packet answered with its own MN and QN, twice round', async () => {
    const connection = await station();
    const mn = (i: number) => `LOAD${String(i).padStart(9, '0')}`;
    for (const round of [1, 2]) {
      const qn = (i: number) => `2024060109${String(20 + round).padStart(2, '0')}00${String(i).padStart(3, '0')}`;
      for (let i = 1; i <= 20; i += 1) connection.send(encodeFrame(`QN=${qn(i)};ST=23;CN=2011;PW=123456;MN=${mn(i)};Flag=5;CP=&&DataTime=20240601092${round}00;LA-Rtd=${50 + i}&&`));
      // Each station's own answer, exact, all twenty; stations are answered as their packets are done, not in the connection's order (answer-order.ts).
      const expected = Array.from({ length: 20 }, (_, i) => reply(qn(i + 1), mn(i + 1), 4));
      expect(byStation(await nextReplies(connection, 20))).toEqual(byStation(expected));
    }
    const [count] = await rowsWhen(`SELECT COUNT(la_dba) FROM noise WHERE device =~ /^noise-load-/ AND time >= ${Date.parse('2024-06-01T09:21:00+08:00')}ms AND time <= ${Date.parse('2024-06-01T09:22:00+08:00')}ms`, (rows) => Number(rows[0]?.count ?? 0) >= 40);
    expect(count!.count).toBe(40);
  }, 60_000);
});

describe('HJ 212 companions of a value are kept, not dropped (reference §4, §9.8, §9.9)', () => {
  it('the Appendix C real-time packet keeps w01018\'s EFlag and SampleTime; an hour keeps its Zs (折算) Avg, Min and Max', async () => {
    const connection = await station();
    connection.send(Buffer.from(`${vectors.c2011Water}\r\n`));
    expect(await connection.nextReply()).toBe(reply('20160801085857223', '010000A8900016F000169DC0', 4));
    const [row] = await rowsWhen(`SELECT ph, cod_mgl, cod_mgl_flag, cod_mgl_eflag, cod_mgl_sample_time FROM water_quality WHERE device = '${stationIds.water}' AND time = ${Date.parse('2016-08-01T08:58:57+08:00')}ms`, someRows);
    expect(row).toMatchObject({ ph: 7.1, cod_mgl: 2.2, cod_mgl_flag: 'N', cod_mgl_eflag: 'A01', cod_mgl_sample_time: '20160801070000' });
    connection.send(encodeFrame(`QN=20240601130500001;ST=22;CN=2061;PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&DataTime=20240601120000;a21026-Min=6,a21026-Avg=8,a21026-Max=10,a21026-ZsMin=7,a21026-ZsAvg=9,a21026-ZsMax=11,a21026-Flag=N&&`));
    expect(await connection.nextReply()).toBe(reply('20240601130500001', audit.generic.mn, 4));
    const [hour] = await rowsWhen(`SELECT * FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${Date.parse('2024-06-01T12:00:00+08:00')}ms`, someRows);
    expect(hour).toMatchObject({ so2_ugm3: 8, so2_ugm3_min: 6, so2_ugm3_max: 10, so2_ugm3_zs: 9, so2_ugm3_zs_min: 7, so2_ugm3_zs_max: 11 });
  });
});

describe('HJ 212 uploads that carry no measurements are kept raw (issue 20: nothing silently dropped)', () => {
  it('2021 facility status, 2081 restart time and 3020 device information (UTF-8 log text) are answered and kept in hj212_unknown with their CN', async () => {
    const connection = await station();
    const mn = audit.water.mn;
    const packets = {
      '2021': 'DataTime=20240601093000;SB1-RS=1;SB2-RS=3',
      '2081': 'DataTime=20240601093000;RestartTime=20240601092955',
      '3020': 'DataTime=20240601093000;PolId=w01018;i11001-Info=//仪器开机//',
    };
    for (const [cn, cp] of Object.entries(packets)) {
      const qn = `20240601093000${cn.slice(1)}`;
      connection.send(encodeFrame(`QN=${qn};ST=32;CN=${cn};PW=123456;MN=${mn};Flag=5;CP=&&${cp}&&`));
      expect(await connection.nextReply()).toBe(reply(qn, mn, 4));
    }
    const rows = await rowsWhen(`SELECT cn, items FROM hj212_unknown WHERE device = '${audit.water.id}' AND "interval" = 'other'`, (found) => found.length >= 3);
    expect(Object.fromEntries(rows.map((row) => [row.cn, row.items]))).toMatchObject({
      '2021': 'DataTime=20240601093000;SB1-RS=1;SB2-RS=3',
      '2081': 'DataTime=20240601093000;RestartTime=20240601092955',
      '3020': 'DataTime=20240601093000;PolId=w01018;i11001-Info=//仪器开机//',
    });
  });
});

describe('HJ 212 raw items of packets that arrive together are all kept', () => {
  it('two uploads without interval data and two packets with unknown codes in one chunk: four rows in hj212_unknown, none overwritten', async () => {
    const connection = await station();
    const mn = audit.utc.mn;
    const frames = [
      `QN=20240601140000001;ST=22;CN=2021;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601140000;SB1-RS=1&&`,
      `QN=20240601140000002;ST=22;CN=3020;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601140000;i12001-Info=0&&`,
      `QN=20240601140000003;ST=22;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601060000;a99001-Rtd=1&&`,
      `QN=20240601140000004;ST=22;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601060001;a99002-Rtd=2&&`,
    ];
    connection.send(Buffer.concat(frames.map((frame) => encodeFrame(frame))));
    for (let i = 1; i <= 4; i += 1) expect(await connection.nextReply()).toBe(reply(`2024060114000000${i}`, mn, 4));
    const rows = await rowsWhen(`SELECT items FROM hj212_unknown WHERE device = '${audit.utc.id}'`, (found) => found.length >= 4);
    expect(rows.map((row) => String(row.items)).sort()).toEqual(['DataTime=20240601140000;SB1-RS=1', 'DataTime=20240601140000;i12001-Info=0', 'a99001-Rtd=1', 'a99002-Rtd=2']);
  });
});

describe('HJ 212 values past the doubles (red team 8)', () => {
  it('refuses 1e400 and a Max of 1e999 alone: the device\'s other values of the packet are stored, the packet answered', async () => {
    const connection = await station();
    const mn = audit.generic.mn;
    connection.send(encodeFrame(`QN=20240602100000001;ST=22;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240602100000;a34004-Rtd=36,a34004-Flag=N;a34002-Rtd=1e400,a34002-Flag=D&&`));
    expect(await connection.nextReply()).toBe(reply('20240602100000001', mn, 4));
    connection.send(encodeFrame(`QN=20240602110500001;ST=22;CN=2061;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240602100000;a34004-Avg=38,a34004-Max=1e999;a34002-Avg=40&&`));
    expect(await connection.nextReply()).toBe(reply('20240602110500001', mn, 4));
    const time = Date.parse('2024-06-02T10:00:00+08:00');
    const [realtime] = await rowsWhen(`SELECT pm25_ugm3, pm10_ugm3_invalid FROM air_quality WHERE device = '${audit.generic.id}' AND time = ${time}ms`, someRows);
    expect(realtime).toMatchObject({ pm25_ugm3: 36 });
    expect(realtime!.pm10_ugm3_invalid ?? null).toBeNull();
    const [hour] = await rowsWhen(`SELECT pm25_ugm3, pm10_ugm3, pm25_ugm3_max FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${time}ms`, someRows);
    expect(hour).toMatchObject({ pm25_ugm3: 38, pm10_ugm3: 40 });
    expect(hour!.pm25_ugm3_max ?? null).toBeNull();
  });

  it('holds an hour\'s Min and Max to the family\'s range as its Avg: a Min of -5 µg/m³ is refused alone', async () => {
    const connection = await station();
    const mn = audit.generic.mn;
    connection.send(encodeFrame(`QN=20240602120500001;ST=22;CN=2061;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240602110000;a34004-Min=-5,a34004-Avg=38,a34004-Max=60,a34004-Flag=N&&`));
    expect(await connection.nextReply()).toBe(reply('20240602120500001', mn, 4));
    const time = Date.parse('2024-06-02T11:00:00+08:00');
    const [hour] = await rowsWhen(`SELECT pm25_ugm3, pm25_ugm3_min, pm25_ugm3_max FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${time}ms`, someRows);
    expect(hour).toMatchObject({ pm25_ugm3: 38, pm25_ugm3_max: 60 });
    expect(hour!.pm25_ugm3_min ?? null).toBeNull();
  });
});
