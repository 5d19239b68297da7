import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, type ApiDeps } from '../../services/api/build-api.ts';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';

/**
 * A 500 is logged with its error (issue 18 item 13: the API was built with `logger: false` and its
 * handler logged to a no-op), and answered with the code alone. The API is built over our own
 * interfaces, one of which fails as nothing real can be made to fail on demand.
 */
describe('an unexpected error in a route', () => {
  const lines: string[] = [];
  const app = buildApi({
    auth: { readAccess: 'open', tokens: [] },
    metrics: createMetrics(),
    influx: { ping: async () => '1.8.10' },
    ingest: { queuedReadings: 0, presence: { online: () => [] } },
    describe: () => {
      throw new Error('describe failed: secret-detail-of-the-failure');
    },
    log: createLogger('debug', { write: (line: string) => void lines.push(line) }),
  } as unknown as ApiDeps);
  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it('answers 500 WX_ERR_INTERNAL without details, and logs the error with its stack and route', async () => {
    const answer = await app.inject({ method: 'GET', url: '/healthz' });
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toEqual({ code: 'WX_ERR_INTERNAL', message: expect.not.stringContaining('secret-detail') });
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; route?: string; err?: { message: string; stack: string } }).find((line) => line.err);
    expect(logged).toMatchObject({ level: 50, route: '/healthz', err: { message: expect.stringContaining('secret-detail-of-the-failure'), stack: expect.stringContaining('api-errors.test.ts') } });
  });
});
