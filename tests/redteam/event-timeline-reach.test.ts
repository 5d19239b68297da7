import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../helpers/api-call.ts';
import { dispatchAirEvent } from '../helpers/dispatched-event.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startTokenEventsPlatform } from '../helpers/token-events-platform.ts';
import { pathVariants, rawRequest } from './raw-http.ts';

const tokens = { operator: 'operator-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef', eco: 'eco-env-token-0123456789abcdef', water: 'water-dept-token-0123456789abcd' };

/**
 * The pages of an event's timeline (GET /api/v1/events/:id/timeline) read as its detail does: a
 * department reads the pages of the events it sees (visibleTo) and another department's answer
 * 404, whatever the path's spelling; without a credential nothing is read. The route is decided
 * by the matched route, never the raw URL (docs/security.md).
 */
describe('red team: an event’s timeline pages', () => {
  let test: TestPlatform;
  let id: string;
  const call = apiCaller(() => test.endpoints.httpUrl);
  const raw = (target: string, token?: string) => rawRequest(test.endpoints.httpUrl, { target, headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    test = await startTokenEventsPlatform([
      { role: 'operator', token: tokens.operator }, { role: 'reader', token: tokens.reader },
      { role: 'department', name: 'eco-env', token: tokens.eco }, { role: 'department', name: 'water', token: tokens.water },
    ]);
    // Its event is routed to the bureau (eco-env), never to water.
    id = await dispatchAirEvent(test);
    for (let n = 0; n < 5; n += 1) test.platform.events!.act(id, { kind: 'comment', note: `bureau-only note ${n}` }, 'operator');
    await test.platform.events!.persisted();
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('gives the pages to whoever reads the detail, and to another department no event at all', async () => {
    for (const token of [tokens.reader, tokens.eco, tokens.operator]) {
      const page = await call(`/api/v1/events/${id}/timeline?before=3`, token);
      expect(page.status).toBe(200);
      expect((page.body.timeline as Array<{ seq: number }>).map((entry) => entry.seq)).toEqual([0, 1, 2]);
    }
    const other = await call(`/api/v1/events/${id}/timeline?before=3`, tokens.water);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('WX_ERR_EVENT_NOT_FOUND');
    // The same answer as for an id that is no event: the other department learns nothing of it.
    expect(other.body.message).toBe(`no event ${id}`);
    expect((await call(`/api/v1/events/${id}/timeline?limit=999`, tokens.water)).status).toBe(400);
  });

  it('reads nothing for another department or without a credential, however the path is spelled', async () => {
    const leaks: string[] = [];
    for (const target of [...pathVariants(`/api/v1/events/${id}/timeline`), ...pathVariants(`/api/v1/events/${id}/timeline?before=3`)]) {
      for (const token of [tokens.water, undefined]) {
        const answer = await raw(target, token);
        if (answer.status === 200 || answer.body.includes('bureau-only') || answer.body.includes('"timeline')) leaks.push(`${token ? 'water' : 'anonymous'} ${target}: ${answer.status}`);
        else expect([400, 401, 404], `${target} ${answer.status}`).toContain(answer.status);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('answers the bureau the same page through a %-encoded spelling, and a trailing slash is no route', async () => {
    for (const [target, bureau] of [
      [`/api/v1/events/${id}/timeline`, 200], [`/api/v1/events/${id}/timelin%65`, 200], [`/api/v1/events/${encodeURIComponent(id)}/%74imeline`, 200], [`/api/v1/events/${id}/timeline/`, 404],
    ] as const) {
      const answer = await raw(target, tokens.eco);
      expect(answer.status, target).toBe(bureau);
      if (bureau === 200) expect(answer.body).toContain('bureau-only note 4');
      // Whatever a spelling reaches, the water department gets a 404, as for the plain path.
      expect((await raw(target, tokens.water)).status, target).toBe(404);
    }
  });
});
