import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBuildsWaiting } from '../../services/api/report-turns.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

/**
 * The plan's report (red team, HTTP pass): the printable page and /api/v1/reports/plan evaluated
 * the year and each of its months at every request, seconds of the platform's one thread, with no
 * bound on how many ran at once and nobody needing a credential (reads are open by default).
 */
describe('red team: report builds are kept a while and taken one at a time', () => {
  let test: TestPlatform;
  let url: string;
  const builds = (outcome: string) => test.metric('wanxiang_report_plan_builds_total', { outcome });

  beforeAll(async () => {
    test = await startTestPlatform();
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('evaluates a period once, however often its plan is asked for within the minute', async () => {
    const [built, kept] = [await builds('built'), await builds('kept')];
    for (const target of ['/api/v1/reports/plan?period=2024', '/api/v1/reports/plan?period=2024&lang=en', '/report?period=2024&lang=en']) {
      expect((await rawRequest(url, { target })).status, target).toBe(200);
    }
    expect(await builds('built')).toBe(built + 1);
    expect(await builds('kept')).toBe(kept + 2);
  });

  it('answers builds past the waiting ones 503 WX_ERR_BUSY with Retry-After', async () => {
    // Twelve periods of the plan nobody asked for yet (its months of 2023), at once: one is built, some wait, the rest are refused.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => rawRequest(url, { target: `/api/v1/reports/plan?period=2023-${String(n + 1).padStart(2, '0')}` })));
    const busy = answers.filter((answer) => answer.status === 503);
    expect(answers.filter((answer) => answer.status !== 503).map((answer) => answer.status)).toEqual(Array(12 - busy.length).fill(200));
    expect(busy.length).toBeGreaterThan(0);
    expect(12 - busy.length).toBeGreaterThanOrEqual(1 + reportBuildsWaiting);
    for (const answer of busy) {
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'WX_ERR_BUSY' });
      expect(answer.headers['retry-after']).toBe('5');
    }
    expect(await builds('busy')).toBe(busy.length);
  });
});
