import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

/**
 * The downloads added since issue 18 (the bureau's workbooks and printed page, issue 22; the review
 * history): no file name from the request reaches a header or the disk, however it is spelled.
 */
describe('red team: download names', () => {
  let test: TestPlatform;
  let url: string;
  const get = (target: string) => rawRequest(url, { target });

  beforeAll(async () => {
    test = await startTestPlatform();
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('names a workbook from the validated period, table and language only', async () => {
    const workbook = await get('/api/v1/reports/families?period=2025-q1&format=xlsx&lang=en');
    expect(workbook.status).toBe(200);
    expect(workbook.headers['content-disposition']).toBe('attachment; filename="wanxiang-families-2025-Q1-en.xlsx"');
    for (const target of [
      '/api/v1/reports?period=2025%0d%0aSet-Cookie:%20x=1&format=xlsx',
      '/api/v1/reports?period=2025%22%3B%20filename%3D..%2F..%2Fx&format=xlsx',
      '/api/v1/reports?period=2025&format=xlsx&lang=zh%22',
      '/api/v1/reports/..%2F..%2Fetc%2Fpasswd?period=2025&format=xlsx',
      '/api/v1/reports/plan%00.xlsx?period=2025&format=xlsx',
      '/api/v1/reports?period=../2025&format=xlsx',
      '/report?period=2025%3Cscript%3E',
    ]) {
      const answer = await get(target);
      expect([400, 404], `${target} ${answer.status} ${answer.body.slice(0, 100)}`).toContain(answer.status);
      expect(answer.headers['content-disposition']).toBeUndefined();
      expect(answer.headers['set-cookie']).toBeUndefined();
      expect(answer.body).not.toMatch(/<script>|passwd/);
    }
  });

  it('serves the review history under its own name, and no screen file outside the screen’s folder', async () => {
    // The name is fixed: nothing of the request goes into it, and a key the route does not take is refused.
    expect((await get('/api/v1/review/history')).headers['content-disposition']).toBe('attachment; filename="review-history.ndjson"');
    const named = await get('/api/v1/review/history?name=../../x');
    expect(named.status).toBe(400);
    expect(named.headers['content-disposition']).toBeUndefined();
    expect(JSON.parse(named.body)).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    for (const file of ['..%2F..%2Fpackage.json', '..%2freview-routes.ts', '%2e%2e%2fconfig.ts', 'review.html', 'app.js%00.css', 'REVIEW.JS', '..\\..\\package.json']) {
      const answer = await get(`/screen/${file}`);
      expect([400, 404], `${file} ${answer.status}`).toContain(answer.status);
      expect(answer.body).not.toMatch(/"name": "wanxiang"|registerReviewRoutes|<html/);
    }
  });
});
