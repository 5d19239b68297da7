import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../helpers/api-call.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startTokenEventsPlatform } from '../helpers/token-events-platform.ts';
import { pathVariants, rawRequest } from './raw-http.ts';

const tokens = {
  operator: 'operator-token-0123456789abcdef', zhang: 'zhang-operator-token-0123456789', officer: 'officer-token-0123456789abcdef',
  reader: 'reader-token-0123456789abcdef', eco: 'eco-env-token-0123456789abcdef', water: 'water-dept-token-0123456789abcd',
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface EventBody { id: string; state: string; department: string | null; timeline: Array<{ kind: string; by: string; note?: string }> }

/**
 * Events with a lifecycle (issue 23) attacked in read access `token`: two operators acting on one
 * event at once, roles below an operator, another department's event, hostile notes and ids.
 */
describe('red team: events', () => {
  let test: TestPlatform;
  let url: string;
  let event: EventBody;
  const call = apiCaller(() => url);
  // A path spelled as a router or a proxy might take it reaches the server byte for byte (raw-http.ts).
  const raw = (target: string, token?: string, body?: unknown) => rawRequest(url, {
    target, method: body === undefined ? 'GET' : 'POST',
    headers: { ...(token ? bearer(token) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  beforeAll(async () => {
    test = await startTokenEventsPlatform([
      { role: 'operator', token: tokens.operator }, { role: 'operator', name: 'zhang.wei', token: tokens.zhang }, { role: 'officer', token: tokens.officer },
      { role: 'reader', token: tokens.reader }, { role: 'department', name: 'eco-env', token: tokens.eco }, { role: 'department', name: 'water', token: tokens.water },
    ]);
    url = test.endpoints.httpUrl;
    // A real reading over MQTT raises an alarm, and the alarm an event routed to the bureau.
    const device = await test.connect(test.device('air-guiyuan'));
    await device.publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    // The alarm and its event follow the reading through the ingest: awaited by asking again.
    for (let events: EventBody[] = []; events.length === 0; await new Promise((resolve) => setImmediate(resolve))) {
      events = (await call('/api/v1/events?family=air', tokens.reader)).body.events as EventBody[];
      if (events.length > 0) event = events[0]!;
    }
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('takes one of several changes racing for one event; the others are refused WX_ERR_EVENT_STATE', async () => {
    expect(event.state).toBe('dispatched');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, n) => call(`/api/v1/events/${event.id}/resolve`, n % 2 ? tokens.zhang : tokens.operator, { note: `done (${n})`, cause: 'real-exceedance' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    for (const answer of answers.filter((entry) => entry.status === 409)) expect(answer.text).toContain('WX_ERR_EVENT_STATE');
    const closing = await Promise.all([call(`/api/v1/events/${event.id}/close`, tokens.operator, { note: 'verified' }), call(`/api/v1/events/${event.id}/reopen`, tokens.zhang, { note: 'not fixed' })]);
    expect(closing.map((answer) => answer.status).sort()).toEqual([200, 200]);
    const detail = (await call(`/api/v1/events/${event.id}`, tokens.reader)).body as unknown as EventBody;
    expect(detail.timeline.filter((entry) => entry.kind === 'resolved')).toHaveLength(1);
    // The requests came in order (close, then reopen): the timeline holds each once, in that order.
    expect(detail.timeline.map((entry) => entry.kind).filter((kind) => kind === 'closed' || kind === 'reopened')).toEqual(['closed', 'reopened']);
  });

  it('keeps actions to operators, and another department’s event out of sight, however the path is spelled', async () => {
    for (const token of [tokens.reader, tokens.officer, tokens.eco]) {
      for (const target of pathVariants(`/api/v1/events/${event.id}/comment`)) {
        const answer = await raw(target, token, { note: 'x' });
        expect([403, 404, 400], `${target} ${answer.status}`).toContain(answer.status);
        if (answer.status === 400) expect(answer.body).toMatch(/WX_ERR_BAD_(TARGET|REQUEST)/);
      }
    }
    // The water department: no such event, in the list, the figures or the handover.
    const other = await call(`/api/v1/events/${event.id}`, tokens.water);
    expect(other.status).toBe(404);
    expect(other.text).toContain('WX_ERR_EVENT_NOT_FOUND');
    expect((await call('/api/v1/events', tokens.water)).body.events).toEqual([]);
    expect((await call('/api/v1/events/handover?hours=72', tokens.water)).text).not.toContain(event.id);
    expect((await call('/api/v1/events?q=eco-env', tokens.water)).body.events).toEqual([]);
    expect((await call(`/api/v1/events/${event.id}`, tokens.eco)).status).toBe(200);
    // Without a credential nothing is read, not even in the spellings a router might take.
    for (const target of pathVariants(`/api/v1/events/${event.id}`)) {
      const answer = await raw(target);
      expect([401, 404, 400], `${target} ${answer.status}`).toContain(answer.status);
      expect(answer.body).not.toContain('"timeline"');
    }
  });

  it('keeps hostile notes as text and names who acted from the credential; hostile ids and bodies are refused', async () => {
    const hostile = '<img src=x onerror=alert(1)>\n=cmd|\' /C calc\'!A0\u0000"},"by":"admin';
    const commented = await call(`/api/v1/events/${event.id}/comment`, tokens.zhang, { note: hostile });
    expect(commented.status).toBe(200);
    const last = (commented.body as unknown as EventBody).timeline.at(-1)!;
    expect(last).toMatchObject({ kind: 'commented', by: 'zhang.wei', note: hostile });
    for (const [target, body] of [
      [`/api/v1/events/${event.id}/comment`, { note: 'x', by: 'admin' }],
      [`/api/v1/events/${event.id}/comment`, { note: 'x'.repeat(2_001) }],
      [`/api/v1/events/${event.id}/dispatch`, { note: 'x', department: '__proto__' }],
      [`/api/v1/events/${event.id}/dispatch`, { note: 'x', department: 'constructor' }],
      [`/api/v1/events/${'x'.repeat(201)}/comment`, { note: 'x' }],
      // Events live in memory: an id that spells a path reaches no file, it is only no event.
      ['/api/v1/events/..%2F..%2Fetc%2Fpasswd/comment', { note: 'x' }],
    ] as const) {
      const answer = await call(target, tokens.operator, body);
      expect([400, 404], `${target.slice(0, 60)} ${JSON.stringify(body).slice(0, 40)} ${answer.text.slice(0, 120)}`).toContain(answer.status);
      expect(answer.text).toMatch(/WX_ERR_(INVALID_ARGUMENT|EVENT_NOT_FOUND|UNKNOWN_DEPARTMENT|NOT_FOUND|BAD_TARGET)/);
    }
    for (const query of ['from=-1', 'to=NaN', 'from=1e400', 'weeks=0', `q=${'x'.repeat(201)}`, 'state=all', 'overdue=1']) {
      const target = query.startsWith('weeks') ? `/api/v1/events/figures?${query}` : `/api/v1/events?${query}`;
      const answer = await call(target, tokens.reader);
      expect(answer.status, target).toBe(400);
      expect(answer.text).toContain('WX_ERR_INVALID_ARGUMENT');
    }
  });
});
