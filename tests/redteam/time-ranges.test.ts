import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { officer: 'officer-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Dates and periods outside the years InfluxDB can hold (issue 18's pass again, on the surfaces of
 * issues 22 and 25): every one is refused with WX_ERR_INVALID_ARGUMENT before a query, never passed on
 * to come back as WX_ERR_INFLUX_REJECTED (502); a review mark of year 1500 is not taken, so the
 * rollups are not left failing on its days at every run.
 */
describe('red team: times InfluxDB cannot hold', () => {
  let test: TestPlatform;
  let url: string;
  let air: string;
  const logLines: string[] = [];
  const get = (target: string, token?: string) => rawRequest(url, { target, headers: token ? bearer(token) : {} });
  const post = (target: string, body: unknown, token: string) =>
    rawRequest(url, { target, method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    test = await startTestPlatform({
      rollups: { enabled: true, intervalMs: 200 },
      http: { tokens: (Object.entries(tokens) as Array<['officer' | 'admin' | 'reader', string]>).map(([role, token]) => ({ role, token })) },
    }, { logLines });
    url = test.endpoints.httpUrl;
    air = test.platform.registry.devices.find((device) => device.family === 'air')!.id;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const refusedAsInvalid = (answer: { status: number; body: string }, what: string) => {
    expect(answer.status, `${what}: ${answer.body.slice(0, 200)}`).toBe(400);
    expect(answer.body, what).toContain('WX_ERR_INVALID_ARGUMENT');
  };

  it('refuses reads of the review, the figures, the reports and the compliance in years InfluxDB cannot hold', async () => {
    for (const [from, to] of <Array<[string, string]>>[['1500-01-01', '1500-01-05'], ['1677-09-22', '1677-09-25'], ['9999-01-01', '9999-01-02'], ['2262-04-01', '2262-04-03'], ['1500-01-01T00:00:00Z', '1500-01-02T00:00:00Z']]) {
      refusedAsInvalid(await get(`/api/v1/review/view?device=${air}&from=${from}&to=${to}`, tokens.officer), `view ${from}`);
      refusedAsInvalid(await get(`/api/v1/review/suggestions?device=${air}&from=${from}&to=${to}`, tokens.officer), `suggestions ${from}`);
      refusedAsInvalid(await get(`/api/v1/review/marks?from=${from}&to=${to}`), `marks ${from}`);
      refusedAsInvalid(await get(`/api/v1/compliance/figures?day=${from.slice(0, 10)}`), `figures ${from}`);
      refusedAsInvalid(await get(`/api/v1/aqi?station=${air}&from=${from}&to=${to}`), `aqi ${from}`);
      refusedAsInvalid(await get(`/api/v1/series?device=${air}&field=pm25&from=${from}&to=${to}`), `series ${from}`);
    }
    // Years 0-99 are not even themselves to Date.UTC (0050 would be 1950): refused like the rest.
    for (const period of ['1500', '1677', '0001', '0050-03', '9999', '2262', '2263-YTD', '1000-Q1', '3000-H2']) {
      refusedAsInvalid(await get(`/api/v1/reports?period=${period}`), `reports ${period}`);
      refusedAsInvalid(await get(`/api/v1/reports/families?period=${period}&format=xlsx`), `families ${period}`);
      refusedAsInvalid(await get(`/report?period=${period}`), `report page ${period}`);
      refusedAsInvalid(await get(`/api/v1/compliance?period=${period}`), `compliance ${period}`);
    }
    // A year InfluxDB holds but the plan does not is refused as outside the plan (issue 22); the plan's answer.
    refusedAsInvalid(await get('/api/v1/compliance?period=1700'), 'compliance 1700');
    expect((await get('/api/v1/compliance?period=2021')).status).toBe(200);
    expect((await get('/api/v1/compliance/figures?day=2199-12-31')).status).toBe(200);
    expect(logLines.join('\n')).not.toMatch(/WX_ERR_INFLUX_REJECTED/);
  });

  // Red team 11: every year taken, in one point, asked InfluxDB for a GROUP BY time of 500 years,
  // longer than an InfluxQL duration holds (int64 ns): 502 and a logged failure for a valid request.
  it('answers a series over every year it takes, in as few points as asked, without a failure of InfluxDB', async () => {
    for (const points of [1, 2, 10]) {
      const answer = await get(`/api/v1/series?device=${air}&field=pm25&from=1700-01-01T00:00:00Z&to=2199-12-31T00:00:00Z&points=${points}`);
      expect(answer.status, answer.body.slice(0, 200)).toBe(200);
      const series = JSON.parse(answer.body) as { intervalMs: number; points: unknown[] };
      expect(series.intervalMs).toBeLessThanOrEqual(9_223_372_036_000);
      expect(series.points.length).toBeLessThanOrEqual(points);
    }
    expect(logLines.join('\n')).not.toMatch(/WX_ERR_INFLUX_REJECTED/);
  });

  it('takes no review mark and opens no backfill window in years InfluxDB cannot hold', async () => {
    for (const [from, to] of [['1500-01-01', '1500-06-01'], ['0001-01-01', '0001-12-31'], ['1677-09-22', '1678-01-01']]) {
      refusedAsInvalid(await post('/api/v1/review/marks', { device: air, from, to, reason: 'fault' }, tokens.officer), `mark ${from}`);
    }
    expect(JSON.parse((await get('/api/v1/review/marks')).body)).toEqual({ marks: [] });
    for (const from of ['0001-01-01T00:00:00Z', '1500-06-01T00:00:00+08:00']) {
      refusedAsInvalid(await post('/api/v1/admin/backfill-window', { from, minutes: 1 }, tokens.admin), `backfill window ${from}`);
    }
    // The times every other route takes (api.md): a bare date is 00:00 Beijing, a word is refused (red team 11).
    const dated = await post('/api/v1/admin/backfill-window', { from: '2025-01-01', minutes: 1 }, tokens.admin);
    expect(dated.status, dated.body).toBe(200);
    expect(JSON.parse(dated.body)).toMatchObject({ open: true, from: '2024-12-31T16:00:00.000Z' });
    refusedAsInvalid(await post('/api/v1/admin/backfill-window', { from: 'yesterday', minutes: 1 }, tokens.admin), 'backfill window yesterday');
    expect((await rawRequest(url, { target: '/api/v1/admin/backfill-window', method: 'DELETE', headers: bearer(tokens.admin) })).status).toBe(200);
    // Two rollup runs later nothing has failed: no window of year 1500 was marked to recompute.
    await test.platform.rollups.runOnce();
    await test.platform.rollups.runOnce();
    expect(logLines.join('\n')).not.toMatch(/rollup failed/);
  });
});
