import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ROWS } from '../../services/evaluate/index.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

/** The most a row may be asked: MAX_ROWS air-day rows of every pollutant (about 1 MB of NDJSON). */
const heaviest = Array.from({ length: MAX_ROWS }, (_, i) => JSON.stringify({ kind: 'air-day', date: '2025-01-01', so2: 10 + (i % 50), no2: 40, co: 1.1, pm10: 90, pm25: 70 + (i % 30), o3_8h: 120, o3_1h: 160 })).join('\n');

/**
 * Red team, HTTP pass 3: POST /api/v1/evaluate is a read (open to anyone by default) whose 10,000
 * rows were judged in one go on the platform's one thread, 100-400 ms each, as many at once as were
 * sent: an anonymous client sending them back to back held MQTT acknowledgements, the event stream
 * and every other answer. Evaluations now take turns, the rows in slices with the loop in between,
 * and past the waiting ones the answer is 503 WX_ERR_BUSY with Retry-After, as for reports.
 */
describe('red team: what an evaluation costs the platform', () => {
  let test: TestPlatform;
  let url: string;

  beforeAll(async () => {
    test = await startTestPlatform();
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers evaluations past the waiting ones 503 WX_ERR_BUSY with Retry-After, and the others whole', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => rawRequest(url, {
      method: 'POST', target: '/api/v1/evaluate', headers: { 'content-type': 'application/x-ndjson' }, body: heaviest,
    })));
    const busy = answers.filter((answer) => answer.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'WX_ERR_BUSY' });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    for (const answer of answers.filter((one) => one.status !== 503)) {
      expect(answer.status).toBe(200);
      // The body as sent (chunked framing left in): every row has its result, none a row error.
      expect(answer.body.match(/"aqi":/g)?.length).toBe(MAX_ROWS);
    }
  });
});
