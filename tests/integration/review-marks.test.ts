import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { backfill } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Issue 22 items 1-2: an officer marks an analyser's calibration hours invalid; the rollups move.
const day1 = Date.parse('2025-03-10T00:00:00+08:00');
const dayMs = 86_400_000;
const hourMs = 3_600_000;
const tokens = { officer: 'officer-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };

describe('review marks: taken, revoked, kept, and the figures they move', () => {
  let test: TestPlatform;
  let station: DeviceRecord;
  const logLines: string[] = [];

  async function rows(query: string): Promise<Array<Record<string, unknown>>> {
    const series = await test.platform.influx.query(query);
    return series.flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((column, i) => [column, row[i]]))));
  }
  async function api(path: string, options: { method?: string; body?: unknown; token?: string } = {}) {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, {
      method: options.method ?? 'GET',
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // NDJSON or text: kept as text
    }
    return { status: response.status, body: body as Record<string, unknown> & Array<unknown> };
  }
  const daily = async (measurement = 'air_daily') => (await rows(`SELECT * FROM "${measurement}" WHERE "device" = '${station.id}' AND time = ${day1 + dayMs}ms`))[0]!;
  const hour = async (labelMs: number, measurement = 'air_hourly') => (await rows(`SELECT * FROM "${measurement}" WHERE "device" = '${station.id}' AND time = ${labelMs}ms`))[0]!;

  beforeAll(async () => {
    test = await startTestPlatform({
      ingest: { maxAgeMs: 10 * 365 * dayMs },
      rollups: { enabled: true, intervalMs: 300 },
      http: { tokens: (Object.entries(tokens) as Array<['officer' | 'operator' | 'admin' | 'reader', string]>).map(([role, token]) => ({ role, token })) },
    }, { logLines });
    const stations = test.platform.registry.devices.filter((device) => device.family === 'air');
    station = stations[0]!;
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: stations, fromMs: day1, toMs: day1 + 3 * dayMs, seed: 5 });
    await test.platform.ingest.drain();
    // A timer run may have taken the days before their readings were written: the whole range once more.
    await test.platform.rollups.recomputeRange(day1, day1 + 3 * dayMs);
  }, 240_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses a mark without the officer role, and bad marks with a coded error', async () => {
    const mark = { device: station.id, from: '2025-03-11T10:00', to: '2025-03-11T11:00', reason: 'calibration' };
    expect((await api('/api/v1/review/marks', { method: 'POST', body: mark })).status).toBe(401);
    expect((await api('/api/v1/review/marks', { method: 'POST', body: mark, token: tokens.reader })).status).toBe(403);
    const operator = await api('/api/v1/review/marks', { method: 'POST', body: mark, token: tokens.operator });
    expect(operator.status).toBe(403);
    expect(operator.body.code).toBe('WX_ERR_FORBIDDEN');
    const bad = [
      { ...mark, reason: 'boredom' },
      { ...mark, to: '2025-03-11T09:00' },
      { ...mark, fields: ['leq_dba'] },
      { ...mark, site: station.site },
      { ...mark, extra: 1 },
      { ...mark, from: 'yesterday' },
      { ...mark, comment: 'a\u0000b' },
      // A period wholly ahead: no reading yet to review (red team 11).
      { ...mark, from: new Date(Date.now() + 3_600_000).toISOString(), to: new Date(Date.now() + 20 * 3_600_000).toISOString() },
    ];
    for (const body of bad) {
      const answer = await api('/api/v1/review/marks', { method: 'POST', body, token: tokens.officer });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toBe('WX_ERR_INVALID_ARGUMENT');
    }
    const unknown = await api('/api/v1/review/marks', { method: 'POST', body: { ...mark, device: 'air-nowhere' }, token: tokens.officer });
    expect(unknown.status).toBe(404);
    const missing = await api('/api/v1/review/marks', { method: 'POST', body: { action: 'revoke', revokes: 'm-abcdef-000000', comment: 'x' }, token: tokens.officer });
    expect(missing.body.code).toBe('WX_ERR_MARK_NOT_FOUND');
    expect((await api('/api/v1/review/marks')).body.marks).toEqual([]);
  });

  it('takes the calibration hours out of the hours and the day, keeps the unreviewed figures beside, and puts them back on revocation', async () => {
    const before = await daily();
    const hourBefore = await hour(day1 + dayMs + 11 * hourMs);
    expect(hourBefore.valid).toBe(1);
    expect(before.valid_hours).toBe(24);

    const taken = await api('/api/v1/review/marks', { method: 'POST', token: tokens.officer, body: { device: station.id, from: '2025-03-11T10:00', to: '2025-03-11T12:00', reason: 'calibration', comment: '零点/跨度校准 zero/span check' } });
    expect(taken.status).toBe(201);
    expect(taken.body).toMatchObject({ action: 'mark', reason: 'calibration', flag: 'C', devices: [station.id], fields: [], by: expect.stringMatching(/^officer:[0-9a-f]{8}$/) });
    // Within a minute: the engine's next run (here every 300 ms) takes the mark.
    await expect.poll(async () => (await daily()).valid_hours, { timeout: 60_000, interval: 250 }).toBe(22);
    expect((await hour(day1 + dayMs + 11 * hourMs)).valid).toBe(0);
    // InfluxDB keeps a field a rewrite leaves out: the point lists what it holds, and readers take only that.
    expect(String((await hour(day1 + dayMs + 11 * hourMs)).fields_present).split(',')).not.toContain('pm25_ugm3');
    const aqiHours = await api(`/api/v1/aqi?station=${station.id}&from=2025-03-11T10:00&to=2025-03-11T13:00&resolution=hour`);
    expect((aqiHours.body.points as Array<Record<string, unknown>>).map((point) => point.pm25 === null)).toEqual([true, true, false]);
    expect((await hour(day1 + dayMs + 13 * hourMs)).valid).toBe(1);
    // The day's mean is the mean of the 22 hours left (GB 3095: each hour a 1-h mean, the day their mean).
    const hours = await rows(`SELECT "pm25_ugm3" FROM "air_hourly" WHERE "device" = '${station.id}' AND time > ${day1 + dayMs}ms AND time <= ${day1 + 2 * dayMs}ms AND "valid" = 1`);
    expect(hours).toHaveLength(22);
    expect(Number((await daily()).pm25_ugm3)).toBeCloseTo(hours.reduce((sum, row) => sum + Number(row.pm25_ugm3), 0) / 22, 9);
    // The unreviewed figures stay beside.
    expect((await daily('air_daily_unreviewed')).valid_hours).toBe(24);
    expect(Number((await daily('air_daily_unreviewed')).pm25_ugm3)).toBeCloseTo(Number(before.pm25_ugm3), 9);
    expect((await hour(day1 + dayMs + 11 * hourMs, 'air_hourly_unreviewed')).valid).toBe(1);

    // A day with too few valid hours is not a day: five more hours marked leave 17.
    const more = await api('/api/v1/review/marks', { method: 'POST', token: tokens.admin, body: { site: station.site, from: '2025-03-11T13:00', to: '2025-03-11T18:00', reason: 'power', comment: '停电' } });
    expect(more.status).toBe(201);
    await expect.poll(async () => (await daily()).valid, { timeout: 60_000, interval: 250 }).toBe(0);
    expect(String((await daily()).fields_present).split(',')).not.toContain('aqi');
    const aqiDay = await api(`/api/v1/aqi?station=${station.id}&from=2025-03-11&to=2025-03-12`);
    expect(aqiDay.body.points).toMatchObject([{ valid: false, aqi: null, pm25: null }]);

    const revoked = await api('/api/v1/review/marks', { method: 'POST', token: tokens.officer, body: { action: 'revoke', revokes: more.body.id, comment: 'the power cut was at another station' } });
    expect(revoked.status).toBe(201);
    await expect.poll(async () => (await daily()).valid_hours, { timeout: 60_000, interval: 250 }).toBe(22);
    const twice = await api('/api/v1/review/marks', { method: 'POST', token: tokens.officer, body: { action: 'revoke', revokes: more.body.id, comment: 'again' } });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('WX_ERR_MARK_REVOKED');

    const listed = await api(`/api/v1/review/marks?device=${station.id}`);
    expect(listed.body.marks).toHaveLength(2);
    expect((listed.body.marks as Array<Record<string, unknown>>).map((mark) => [mark.reason, mark.inForce, mark.revokedBy])).toEqual([['calibration', true, null], ['power', false, revoked.body.id]]);
    const history = await api('/api/v1/review/history');
    const records = String(history.body).trim().split('\n').map((line) => JSON.parse(line) as { action: string });
    expect(records.map((record) => record.action)).toEqual(['mark', 'mark', 'revoke']);
  }, 240_000);

  it('keeps the marks through a replayed backfill of the same days and a recomputation', async () => {
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: [station], fromMs: day1 + dayMs, toMs: day1 + 2 * dayMs, seed: 5 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day1, day1 + 3 * dayMs);
    expect((await daily()).valid_hours).toBe(22);
    expect((await api('/api/v1/review/marks')).body.marks).toHaveLength(2);
  }, 240_000);

  it('suggests marks from HJ 212 invalid flags and stuck runs, without applying them', async () => {
    const t0 = day1 + 4 * dayMs + 3 * hourMs;
    // Flags as the HJ 212 ingest stores them: a string field <field>_flag in the reading's point; a
    // logger's lower-case `c` is Table 8's C, so the four make one run.
    const lines = Array.from({ length: 6 }, (_, i) => `air_quality,device=${station.id} pm25_ugm3_flag="${i < 2 ? 'C' : i < 4 ? 'c' : 'N'}" ${t0 + i * 60_000}`);
    // A frozen analyser: twelve readings with every value the same.
    const stuck = Array.from({ length: 12 }, (_, i) => `air_quality,device=${station.id} pm25_ugm3=33,pm10_ugm3=50,so2_ugm3=5,no2_ugm3=20,o3_ugm3=60,co_mgm3=0.5 ${t0 + 2 * hourMs + i * 60_000}`);
    await test.platform.influx.write([...lines, ...stuck].join('\n'));
    // An officer's work tool: officer or admin token (the privacy pass).
    const answer = await api(`/api/v1/review/suggestions?device=${station.id}&from=2025-03-14&to=2025-03-15`, { token: tokens.officer });
    expect(answer.status).toBe(200);
    const suggestions = answer.body.suggestions as Array<Record<string, unknown>>;
    expect(suggestions.find((s) => s.source === 'hj212-flag')).toMatchObject({ status: 'suggested', reason: 'calibration', flag: 'C', fields: ['pm25_ugm3'], fromMs: t0, readings: 4 });
    expect(suggestions.find((s) => s.source === 'stuck-sensor')).toMatchObject({ status: 'suggested', reason: 'fault', fromMs: t0 + 2 * hourMs, readings: 12 });
    expect((await api('/api/v1/review/marks')).body.marks).toHaveLength(2);
    expect((await api(`/api/v1/review/suggestions?device=${station.id}&from=2025-01-01&to=2025-03-13`, { token: tokens.officer })).status).toBe(400);
  });

  it('gives the reviewed figure with the unreviewed one beside, and names the marks that moved it', async () => {
    // The four stations with the highest PM2.5 over the days, marked out: the district's mean must fall.
    const series = await test.platform.influx.query(`SELECT mean("pm25_ugm3") AS m FROM "air_daily" WHERE time >= ${day1}ms AND time < ${day1 + 3 * dayMs}ms GROUP BY "device"`);
    const ranked = series.map((s) => ({ id: s.tags!.device!, m: Number(s.values[0]![1]) })).sort((a, b) => b.m - a.m).filter((entry) => entry.id !== station.id).slice(0, 4);
    const before = await api('/api/v1/compliance?period=2025-03');
    const pm25Before = (before.body.targets as Array<Record<string, unknown>>).find((t) => t.id === 'pm25-annual-mean')!;
    let taken = { body: {} as Record<string, unknown>, status: 0 };
    for (const { id } of ranked) {
      taken = await api('/api/v1/review/marks', { method: 'POST', token: tokens.officer, body: { device: id, from: '2025-03-10', to: '2025-03-13', reason: 'fault', comment: 'analyser fault' } });
      expect(taken.status).toBe(201);
    }
    await expect.poll(async () => (await rows(`SELECT "valid" FROM "air_daily" WHERE "device" = '${ranked[3]!.id}' AND time = ${day1 + 2 * dayMs}ms`))[0]?.valid, { timeout: 60_000, interval: 250 }).toBe(0);
    const after = await api('/api/v1/compliance?period=2025-03');
    const pm25 = (after.body.targets as Array<Record<string, unknown>>).find((t) => t.id === 'pm25-annual-mean')!;
    // The district's day is the mean over the stations left (more than half): the month's mean moves.
    expect(pm25.unreviewedValue).toBe(pm25Before.unreviewedValue ?? pm25Before.value);
    expect(pm25.value).not.toBe(pm25.unreviewedValue);
    expect((pm25.reviewMarks as Array<Record<string, unknown>>).map((mark) => mark.id)).toContain(taken.body.id);
    const district = await rows(`SELECT "pm25_ugm3" FROM "air_daily_district" WHERE time >= ${day1}ms AND time < ${day1 + 3 * dayMs}ms AND "valid" = 1`);
    const mean = district.reduce((sum, row) => sum + Number(row.pm25_ugm3), 0) / district.length;
    expect(pm25.value).toBeCloseTo(Math.round(mean * 10) / 10, 6);
  }, 240_000);

  it('reads the history past a stored row that is not a record (written to InfluxDB by hand)', async () => {
    const before = await api(`/api/v1/review/marks?device=${station.id}`);
    expect(before.status).toBe(200);
    await test.platform.influx.write(`review_marks,id=by-hand action="mark",record="!!not~json%%" ${Date.now()}`);
    const after = await api(`/api/v1/review/marks?device=${station.id}`);
    expect(after.status).toBe(200);
    expect(after.body.marks).toEqual(before.body.marks);
    expect((await api('/api/v1/review/history')).status).toBe(200);
    // Left out, but never silently: counted, and named once in the log however often it is read.
    expect(await test.metric('wanxiang_review_records_unreadable')).toBe(1);
    const named = logLines.filter((line) => line.includes('WX_ERR_REVIEW_RECORD_UNREADABLE'));
    expect(named).toHaveLength(1);
    expect(JSON.parse(named[0]!)).toMatchObject({ id: 'by-hand' });
  }, 60_000);
});
