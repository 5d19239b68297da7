import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStation, parseStationUrl } from '../../simulators/hj212-client.ts';
import { stationIds, writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { vectors, wire } from '../fixtures/hj212-vectors.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * A field another writer (or an older schema of ours) made with another type in InfluxDB: the
 * line that carries it was refused whole and dead-lettered, so one field cost a reading every
 * other field. Now only that field is refused, for MQTT and HJ 212 readings alike.
 */
describe('a field whose type conflicts in InfluxDB costs the reading that field only', () => {
  let test: TestPlatform;
  let dir: string;
  const code = 'WX_ERR_FIELD_TYPE_CONFLICT';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-conflict-'));
    // The HJ 212 vectors are from 2024: the age limit is lifted so that their data lands.
    test = await startTestPlatform({ registryFile: await writeStationRegistry(dir), hj212: { port: 0 }, ingest: { maxAgeMs: 20 * 365 * 24 * 3_600_000 } });
  });

  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The first row of a query, as column → value. */
  const firstRow = async (query: string) => {
    const [series] = await test.platform.influx.query(query);
    expect(series, query).toBeDefined();
    return Object.fromEntries(series!.columns.map((column, i) => [column, series!.values[0]![i]]));
  };
  /** The device's dead-letter records of the code, once the file has them. */
  const deadLetters = async (device: string) => {
    for (let attempt = 0; ; attempt += 1) {
      const text = await readFile(test.platform.ingest.deadLetterPath, 'utf8').catch(() => '');
      const records = text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      const found = records.filter((record) => record.device === device);
      if (found.length > 0 || attempt > 50) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const accountingOf = async (device: string) => {
    const answer = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/accounting`)).json()) as { unexplained: number; rows: Array<{ device: string; received: number; written: number; pending: number; gap: number; rejected: Record<string, number> }> };
    return { unexplained: answer.unexplained, rows: answer.rows.filter((row) => row.device === device) };
  };

  it('MQTT: a six-pollutant reading whose PM2.5 field is a string in InfluxDB keeps the other five', async () => {
    const ts = Date.now() - 60_000;
    // An outside writer made pm25_ugm3 a string in this shard (same measurement, same week).
    await test.platform.influx.write(`air_quality,device=outside-writer pm25_ugm3="high" ${ts}`);
    const rejectedBefore = await test.metric('wanxiang_readings_rejected_total', { reason: code });
    const writtenBefore = await test.metric('wanxiang_readings_written_total', { family: 'air' });
    const device = test.device('air-dongxiao');
    const client = await test.connect(device);
    await client.publishAsync(test.topics.build('air', device.id, 'telemetry'), JSON.stringify({ ts, pm25: 35, pm10: 61, so2: 8, no2: 27, o3: 118, co: 0.62 }), { qos: 1 });
    await test.platform.ingest.drain();

    expect(await firstRow(`SELECT * FROM air_quality WHERE device = '${device.id}'`)).toMatchObject({ time: ts, pm10_ugm3: 61, so2_ugm3: 8, no2_ugm3: 27, o3_ugm3: 118, co_mgm3: 0.62, pm25_ugm3: null, recv_lag_ms: expect.any(Number) });
    const [record, ...more] = await deadLetters(device.id);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ code, device: device.id, payloadEncoding: 'utf8' });
    expect(record!.payload).toMatch(new RegExp(`^air_quality,device=${device.id},.* pm25_ugm3=35 ${ts}$`));
    expect(record!.message).toBe('InfluxDB refused field "pm25_ugm3" of measurement "air_quality": it is float in this point and the database already has it as string (field type conflict); the point\'s other 6 fields were written');
    expect(await test.metric('wanxiang_readings_rejected_total', { reason: code })).toBe(rejectedBefore + 1);
    expect(await test.metric('wanxiang_readings_written_total', { family: 'air' })).toBe(writtenBefore + 1);
    // The point is written, its refused field is one more reading received and rejected.
    const accounting = await accountingOf(device.id);
    expect(accounting.unexplained).toBe(0);
    expect(accounting.rows).toEqual([expect.objectContaining({ received: 2, written: 1, pending: 0, gap: 0, rejected: { [code]: 1 } })]);
  });

  it('a reading whose only value conflicts is refused whole, not stored as a point of the platform\'s receive lag alone', async () => {
    const ts = Date.now() - 90_000;
    await test.platform.influx.write(`waterlogging,device=outside-writer depth_cm="dry" ${ts}`);
    const device = test.device('waterlogging-sungang-underpass');
    const client = await test.connect(device);
    await client.publishAsync(test.topics.build('waterlogging', device.id, 'telemetry'), JSON.stringify({ ts, depth: 12 }), { qos: 1 });
    await test.platform.ingest.drain();

    // No point without a value: the wall's readings counts (count of recv_lag_ms), the latest reading
    // seeded at a restart and the backfill's landed count would each take it for a reading.
    expect(await test.countPoints('waterlogging', `"device" = '${device.id}'`)).toBe(0);
    const [record, ...more] = await deadLetters(device.id);
    expect(more).toEqual([]);
    expect(record!.payload).toMatch(new RegExp(`^waterlogging,device=${device.id},.* depth_cm=12,recv_lag_ms=\\d+i ${ts}$`));
    expect(record!.message).toMatch(/field type conflict: input field \\?"depth_cm\\?".*refused whole: without "depth_cm" it would hold only recv_lag_ms/);
    const accounting = await accountingOf(device.id);
    expect(accounting.unexplained).toBe(0);
    expect(accounting.rows).toEqual([expect.objectContaining({ received: 1, written: 0, pending: 0, gap: 0 })]);
  });

  it('the platform\'s own receive lag in conflict: the reading is written whole, nothing is refused and the device is told nothing', async () => {
    const ts = Date.now() - 120_000;
    // An outside writer made the platform's recv_lag_ms a string in this shard.
    await test.platform.influx.write(`noise,device=outside-writer recv_lag_ms="late" ${ts}`);
    const rejectedBefore = await test.metric('wanxiang_readings_rejected_total', { reason: code });
    const writtenBefore = await test.metric('wanxiang_readings_written_total', { family: 'noise' });
    const device = test.device('noise-buxin-road-1');
    const client = await test.connect(device);
    const notices: string[] = [];
    await client.subscribeAsync(test.topics.build('noise', device.id, 'errors'), { qos: 0 });
    client.on('message', (_topic, payload) => notices.push(payload.toString()));
    await client.publishAsync(test.topics.build('noise', device.id, 'telemetry'), JSON.stringify({ ts, leq: 64.5, lmax: 80.1 }), { qos: 1 });
    await test.platform.ingest.drain();

    expect(await firstRow(`SELECT * FROM noise WHERE device = '${device.id}'`)).toMatchObject({ time: ts, leq_dba: 64.5, lmax_dba: 80.1, recv_lag_ms: null });
    expect(await test.metric('wanxiang_readings_rejected_total', { reason: code })).toBe(rejectedBefore);
    expect(await test.metric('wanxiang_readings_written_total', { family: 'noise' })).toBe(writtenBefore + 1);
    const accounting = await accountingOf(device.id);
    expect(accounting.unexplained).toBe(0);
    expect(accounting.rows).toEqual([expect.objectContaining({ received: 1, written: 1, pending: 0, gap: 0, rejected: {} })]);
    // A refusal notice would have come with the write; a second round trip makes sure none is on its way.
    await client.publishAsync(test.topics.build('noise', device.id, 'status'), 'online', { qos: 1 });
    expect(notices).toEqual([]);
    await client.endAsync();
  });

  it('HJ 212: an hour packet whose PM10 field is a string in InfluxDB stores the rest, flags included, and is answered', async () => {
    const hourMs = Date.parse('2024-06-01T08:00:00+08:00');
    await test.platform.influx.write(`air_quality_hj212,device=outside-writer,interval=hour pm10_ugm3="n/a" ${hourMs}`);
    const station = await connectStation(parseStationUrl(test.endpoints.hj212Url!));
    try {
      station.send(wire('tv8Flags'));
      expect(await station.nextReply()).toBe(`${vectors.tv8Reply}\r\n`);
    } finally {
      await station.close();
    }
    await test.platform.ingest.drain();

    const row = await firstRow(`SELECT * FROM air_quality_hj212 WHERE device = '${stationIds.air}' AND "interval" = 'hour'`);
    expect(row).toMatchObject({ time: hourMs, pm25_ugm3: 35.2, so2_ugm3: 8, co_mgm3: 0.62, pm10_ugm3: null, pm10_ugm3_flag: 'N', no2_ugm3_invalid: 27, o3_ugm3_invalid: 118 });
    const [record] = await deadLetters(stationIds.air);
    expect(record).toMatchObject({ code, device: stationIds.air });
    expect(record!.payload).toMatch(/^air_quality_hj212,.* pm10_ugm3=61 \d+$/);
    expect(record!.message).toMatch(/field "pm10_ugm3" of measurement "air_quality_hj212": it is float in this point and the database already has it as string/);
    const accounting = await accountingOf(stationIds.air);
    expect(accounting.unexplained).toBe(0);
    expect(accounting.rows).toEqual([expect.objectContaining({ received: 2, written: 1, pending: 0, gap: 0, rejected: { [code]: 1 } })]);
  });
});
