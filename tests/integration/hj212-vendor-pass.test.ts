import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { seedLatest } from '../../services/live/seed-latest.ts';
import { readRawRows } from '../../services/rollups/raw-rows.ts';
import { audit, reply, someRows, useAuditPlatform } from '../helpers/hj212-audit.ts';
import { beijingDigits } from '../helpers/hj212-station.ts';
import { stationIds } from '../fixtures/hj212-registry.ts';
import { vectors } from '../fixtures/hj212-vectors.ts';

/**
 * A station vendor's integration pass over a real socket: packets the other HJ 212 tests do not
 * send, and what lands of them in InfluxDB and in the rollups.
 */
const { station, probe, rowsWhen, test: platform } = useAuditPlatform();
const mn = audit.generic.mn;
const packet = (qn: string, cn: string, cp: string, flag = 5) => encodeFrame(`QN=${qn};ST=22;CN=${cn};PW=123456;MN=${mn};Flag=${flag};CP=&&${cp}&&`);

describe('a station sends an interval again with other flags (a logger re-uploads an hour once its operator marks maintenance)', () => {
  it('an hour first sent N, then again M: the rollups take it as invalid, not the first value', async () => {
    const connection = await station();
    connection.send(packet('20240603110500001', '2061', 'DataTime=20240603100000;a34004-Avg=35,a34004-Flag=N;a34002-Avg=50,a34002-Flag=N'));
    expect(await connection.nextReply()).toBe(reply('20240603110500001', mn, 4));
    const start = Date.parse('2024-06-03T10:00:00+08:00');
    await rowsWhen(`SELECT pm25_ugm3 FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${start}ms`, someRows);
    connection.send(packet('20240603120500001', '2061', 'DataTime=20240603100000;a34004-Avg=35,a34004-Flag=M;a34002-Avg=50,a34002-Flag=N'));
    expect(await connection.nextReply()).toBe(reply('20240603120500001', mn, 4));
    await rowsWhen(`SELECT pm25_ugm3_flag FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${start}ms`, (rows) => rows[0]?.pm25_ugm3_flag === 'M');
    const dayStart = Date.parse('2024-06-03T00:00:00+08:00');
    await platform().platform.rollups.recomputeRange(dayStart, dayStart + 86_400_000, ['air']);
    const [hour] = await rowsWhen(`SELECT * FROM air_hourly WHERE device = '${audit.generic.id}' AND time = ${start + 3_600_000}ms`, someRows);
    expect(hour).toMatchObject({ pm10_ugm3: 50 });
    expect(hour!.pm25_ugm3 ?? null).toBeNull();
  });

  it('a real-time value first sent N, then again D: the rollups\' raw rows leave it out', async () => {
    const connection = await station();
    connection.send(packet('20240603130000001', '2011', 'DataTime=20240603130000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=50,a34002-Flag=N'));
    expect(await connection.nextReply()).toBe(reply('20240603130000001', mn, 4));
    const time = Date.parse('2024-06-03T13:00:00+08:00');
    await rowsWhen(`SELECT pm25_ugm3 FROM air_quality WHERE device = '${audit.generic.id}' AND time = ${time}ms`, someRows);
    connection.send(packet('20240603130100001', '2011', 'DataTime=20240603130000;a34004-Rtd=35,a34004-Flag=D;a34002-Rtd=50,a34002-Flag=N'));
    expect(await connection.nextReply()).toBe(reply('20240603130100001', mn, 4));
    await rowsWhen(`SELECT pm25_ugm3_flag FROM air_quality WHERE device = '${audit.generic.id}' AND time = ${time}ms`, (rows) => rows[0]?.pm25_ugm3_flag === 'D');
    const rows = (await readRawRows(platform().platform.influx, 'air', time, time + 1, audit.generic.id)).get(audit.generic.id) ?? [];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.fields).toMatchObject({ pm10_ugm3: 50 });
    expect(rows[0]!.fields.pm25_ugm3).toBeUndefined();
    // A restarted platform's live view does not show it either.
    const seeded = await seedLatest(platform().platform.influx, platform().platform.registry, time + 1_000);
    expect(seeded.latest.get(audit.generic.id)).toMatchObject({ timeMs: time, values: { pm10: 50 } });
    expect(seeded.latest.get(audit.generic.id)!.values.pm25).toBeUndefined();
  });
});

describe('a station\'s own hour of invalid values alone', () => {
  it('an hour whose every pollutant the station flags M is invalid, not replaced by the mean of its real-time values', async () => {
    const connection = await station();
    const qns: string[] = [];
    for (let minute = 0; minute < 60; minute += 5) {
      const qn = `20240604150000${String(minute).padStart(3, '0')}`;
      qns.push(qn);
      connection.send(packet(qn, '2011', `DataTime=202406041${4}${String(minute).padStart(2, '0')}00;a34004-Rtd=20,a34004-Flag=N;a21004-Rtd=30,a21004-Flag=N`));
    }
    qns.push('20240604150500999');
    connection.send(packet('20240604150500999', '2061', 'DataTime=20240604140000;a34004-Avg=20,a34004-Flag=M;a21004-Avg=30,a21004-Flag=M'));
    for (const qn of qns) expect(await connection.nextReply()).toBe(reply(qn, mn, 4));
    const start = Date.parse('2024-06-04T14:00:00+08:00');
    await rowsWhen(`SELECT count(pm25_ugm3) FROM air_quality WHERE device = '${audit.generic.id}' AND time >= ${start}ms AND time < ${start + 3_600_000}ms`, (rows) => Number(rows[0]?.count ?? 0) >= 12);
    await rowsWhen(`SELECT no2_ugm3_flag FROM air_quality_hj212 WHERE device = '${audit.generic.id}' AND time = ${start}ms`, (rows) => rows[0]?.no2_ugm3_flag === 'M');
    const dayStart = Date.parse('2024-06-04T00:00:00+08:00');
    await platform().platform.rollups.recomputeRange(dayStart, dayStart + 86_400_000, ['air']);
    const [hour] = await rowsWhen(`SELECT * FROM air_hourly WHERE device = '${audit.generic.id}' AND time = ${start + 3_600_000}ms`, someRows);
    expect(hour!.pm25_ugm3 ?? null).toBeNull();
    expect(hour!.no2_ugm3 ?? null).toBeNull();
  });
});

describe('a noise station that speaks HJ 212 as C.25/C.26 do (LA in real time, Leq in its own hours)', () => {
  it('its day and night Leq come from its own hours (2061 Leq-Data), the night Lmax from LMx-Data', async () => {
    const connection = await station();
    const noise = audit.slow;
    const qns: string[] = [];
    // 2024-06-05 06:00 to 2024-06-06 06:00 Beijing: 16 day hours at 60 dB, 8 night hours at 50 dB, Lmax 62 at 03:00.
    for (let hour = 0; hour < 24; hour += 1) {
      const start = Date.parse('2024-06-05T06:00:00+08:00') + hour * 3_600_000;
      const stamp = new Date(start + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
      const night = hour >= 16;
      const qn = `${stamp.slice(0, 12)}59${String(hour).padStart(3, '0')}`;
      qns.push(qn);
      connection.send(encodeFrame(`QN=${qn};ST=23;CN=2061;PW=123456;MN=${noise.mn};Flag=5;CP=&&DataTime=${stamp};Leq-Data=${night ? 50 : 60};L10-Data=${night ? 52 : 62};L50-Data=${night ? 49 : 59};L90-Data=${night ? 45 : 55};LMx-Data=${hour === 21 ? 62 : night ? 55 : 70}&&`));
      // Real-time LA, as C.25 sends it: no Leq of its own.
      connection.send(encodeFrame(`QN=${qn.slice(0, 14)}500;ST=23;CN=2011;PW=123456;MN=${noise.mn};Flag=4;CP=&&DataTime=${stamp.slice(0, 10)}3000;LA-Rtd=58.2&&`));
    }
    for (const qn of qns) expect(await connection.nextReply()).toBe(encodeFrame(`QN=${qn};ST=91;CN=9014;PW=123456;MN=${noise.mn};Flag=4;CP=&&&&`).toString());
    const dayStart = Date.parse('2024-06-05T00:00:00+08:00');
    await rowsWhen(`SELECT count(leq_dba) FROM noise_hj212 WHERE device = '${noise.id}' AND "interval" = 'hour'`, (rows) => Number(rows[0]?.count ?? 0) >= 24);
    await platform().platform.rollups.recomputeRange(dayStart, dayStart + 86_400_000, ['noise']);
    const [day] = await rowsWhen(`SELECT * FROM noise_daily WHERE device = '${noise.id}' AND time = ${dayStart}ms`, someRows);
    expect(day).toMatchObject({ day_complete: 1, night_complete: 1, night_lmax_dba: 62 });
    expect(day!.day_leq_dba as number).toBeCloseTo(60, 6);
    expect(day!.night_leq_dba as number).toBeCloseTo(50, 6);
  });
});

describe('a water section whose station sends its own hours alone (2061 every 4 h, as surface-water stations do)', () => {
  it('its hours are the samples of its daily and monthly class and of its compliance figure', async () => {
    const connection = await station();
    const water = audit.water;
    const qns: string[] = [];
    for (const hour of ['00', '04', '08', '12', '16', '20']) {
      const qn = `20240607${hour}5900001`;
      qns.push(qn);
      connection.send(encodeFrame(`QN=${qn};ST=21;CN=2061;PW=123456;MN=${water.mn};Flag=5;CP=&&DataTime=20240607${hour}0000;w01001-Avg=7.2,w01001-Flag=N;w01009-Avg=6.5,w01009-Flag=N;w01019-Avg=3.1,w01019-Flag=N;w01018-Avg=12,w01018-Flag=N;w21003-Avg=0.4,w21003-Flag=N;w21011-Avg=0.1,w21011-Flag=N&&`));
    }
    for (const qn of qns) expect(await connection.nextReply()).toBe(encodeFrame(`QN=${qn};ST=91;CN=9014;PW=123456;MN=${water.mn};Flag=4;CP=&&&&`).toString());
    await rowsWhen(`SELECT count(ph) FROM water_quality_hj212 WHERE device = '${water.id}' AND "interval" = 'hour'`, (rows) => Number(rows[0]?.count ?? 0) >= 6);
    const dayStart = Date.parse('2024-06-07T00:00:00+08:00');
    await platform().platform.rollups.recomputeRange(dayStart, dayStart + 86_400_000, ['water']);
    const [day] = await rowsWhen(`SELECT * FROM water_daily WHERE device = '${water.id}' AND time = ${dayStart}ms`, someRows);
    expect(day).toMatchObject({ samples: 6, ph_mean: 7.2, class: 'II' });
    expect(day!.nh3n_mgl_mean as number).toBeCloseTo(0.4, 9);
    const report = (await (await fetch(`${platform().endpoints.httpUrl}/api/v1/compliance?period=2024-06`)).json()) as { targets: Array<{ id: string; value: unknown }> };
    expect(report.targets.find((target) => target.id === 'section-reservoir-flood-river-mouth')!.value).toBe('II');
  });
});

describe('a station whose clock runs ahead, and a minute at the turn of the year', () => {
  it('a reading 6 min ahead is refused with its code, counted and answered (it is not sent again); 4 min ahead is stored', async () => {
    const connection = await station();
    const refused = await platform().metric('wanxiang_hj212_packets_total', { result: 'refused' });
    const ahead = (minutes: number) => beijingDigits(-minutes * 60_000);
    const qn6 = `${ahead(6)}001`;
    const qn4 = `${ahead(4)}002`;
    connection.send(packet(qn6, '2011', `DataTime=${ahead(6)};a34004-Rtd=66`));
    expect(await connection.nextReply()).toBe(reply(qn6, mn, 4));
    connection.send(packet(qn4, '2011', `DataTime=${ahead(4)};a34004-Rtd=44`));
    expect(await connection.nextReply()).toBe(reply(qn4, mn, 4));
    expect(await platform().metric('wanxiang_hj212_packets_total', { result: 'refused' })).toBe(refused + 1);
    const deadLetter = (await readFile(platform().platform.ingest.deadLetterPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { code: string; message: string });
    expect(deadLetter).toContainEqual(expect.objectContaining({ code: 'WX_ERR_TIME_IN_FUTURE', message: expect.stringContaining(`DataTime=${ahead(6).slice(0, 10)}`) }));
    const [row] = await rowsWhen(`SELECT pm25_ugm3 FROM air_quality WHERE device = '${audit.generic.id}' AND time > now() - 1h`, someRows);
    expect(row).toMatchObject({ pm25_ugm3: 44 });
  });

  it('a water minute (2051) of 23:59 on 31 December Beijing is stored at 15:59 UTC with its Min, Avg, Max, Cou and flag', async () => {
    const connection = await station();
    connection.send(encodeFrame(`QN=20250101000000001;ST=21;CN=2051;PW=123456;MN=${audit.water.mn};Flag=5;CP=&&DataTime=20241231235900;w21003-Cou=1.5,w21003-Min=0.3,w21003-Avg=0.35,w21003-Max=0.4,w21003-Flag=N&&`));
    expect(await connection.nextReply()).toBe(reply('20250101000000001', audit.water.mn, 4));
    const [row] = await rowsWhen(`SELECT * FROM water_quality_hj212 WHERE device = '${audit.water.id}' AND "interval" = 'minute'`, someRows);
    expect(row).toMatchObject({ time: Date.parse('2024-12-31T15:59:00Z'), nh3n_mgl: 0.35, nh3n_mgl_min: 0.3, nh3n_mgl_max: 0.4, nh3n_mgl_cou: 1.5, nh3n_mgl_flag: 'N' });
  });
});

describe('TV6: the Appendix C noise minute (C.26) over a socket', () => {
  it('lands on the co-located noise device as its minute, L5, L95 and LMn kept raw; answered 9014 with its QN', async () => {
    const connection = await station();
    connection.send(Buffer.from(`${vectors.tv6NoiseMinute}\r\n`));
    expect(await connection.nextReply()).toBe(reply('20160801085000001', '010000A8900016F000169DC0', 4));
    const [row] = await rowsWhen(`SELECT * FROM noise_hj212 WHERE device = '${stationIds.noise}' AND "interval" = 'minute'`, someRows);
    expect(row).toMatchObject({ time: Date.parse('2016-08-01T08:40:00+08:00'), leq_dba: 50, l10_dba: 53, l50_dba: 49, l90_dba: 45, lmax_dba: 54 });
    const [unknown] = await rowsWhen(`SELECT items FROM hj212_unknown WHERE device = '${stationIds.air}' AND "interval" = 'minute'`, someRows);
    expect(unknown!.items).toBe('L5-Data=53.0;L95-Data=43.0;LMn-Data=42.0');
  });
});

describe('HJ 212 interaction commands from the station (reference §3)', () => {
  it('9011, 9012, 9013 and 9014 get no answer; a heartbeat (9015) alone gets its 9013', async () => {
    const connection = await station();
    for (const [cn, cp] of [['9011', 'QnRtn=1'], ['9012', 'ExeRtn=1'], ['9013', ''], ['9014', '']] as const) connection.send(packet('20240601121500001', cn, cp, 4));
    connection.send(packet('20240601121500002', '9015', '', 9));
    expect(await connection.nextReply()).toBe(reply('20240601121500002', mn, 8, '9013'));
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
  });
});
