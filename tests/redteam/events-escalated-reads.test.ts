import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../helpers/api-call.ts';
import { dispatchAirEvent } from '../helpers/dispatched-event.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startTokenEventsPlatform } from '../helpers/token-events-platform.ts';
import { pathVariants, rawRequest } from './raw-http.ts';

const tokens = {
  operator: 'operator-escalated-0123456789abcdef', eco: 'eco-env-escalated-0123456789abcdef',
  water: 'water-escalated-0123456789abcdef', command: 'district-command-escalated-0123456789ab',
};

interface EventBody { id: string; department: string | null; escalations: Array<{ department: string; to: string | null }>; timeline: Array<{ kind: string; by: string }> }

/**
 * Red team, events pass: an event escalated to the next level (the bureau late, the district's
 * duty command told by webhook) answered that level's own credential 404: a department saw only
 * the events it has now. It now reads them (detail, list, handover) for good, as it was told of
 * them; it acts on none, as no department does, however the action's path is spelled, and its
 * figures stay the rounds it was sent.
 */
describe('red team: the department an event is escalated to', () => {
  let test: TestPlatform;
  let id: string;
  // The events' clock: moved past the acknowledgement time instead of waiting for it.
  let offsetMs = 0;
  const call = apiCaller(() => test.endpoints.httpUrl);
  const listed = async (token: string, path = '/api/v1/events') => ((await call(path, token)).body.events as EventBody[]).map((event) => event.id);
  const handover = async (token: string) => ((await call('/api/v1/events/handover?hours=72', token)).body.stillOpen as EventBody[]).map((event) => event.id);

  beforeAll(async () => {
    test = await startTokenEventsPlatform([
      { role: 'operator', name: 'zhang.wei', token: tokens.operator }, { role: 'department', name: 'eco-env', token: tokens.eco },
      { role: 'department', name: 'water', token: tokens.water }, { role: 'department', name: 'district-command', token: tokens.command },
    ], { now: () => Date.now() + offsetMs });
    id = await dispatchAirEvent(test);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('reads an event escalated to it, and keeps reading it once sent on; a department not told still gets 404', async () => {
    // Not escalated yet: the duty command is not told, and reads nothing of it.
    expect((await call(`/api/v1/events/${id}`, tokens.command)).status).toBe(404);
    // The bureau left it past its acknowledgement time: escalated to the duty command (its escalateTo).
    offsetMs += 5 * 3_600_000;
    test.platform.events!.sweep();
    const detail = await call(`/api/v1/events/${id}`, tokens.command);
    expect(detail.status).toBe(200);
    expect((detail.body as unknown as EventBody).escalations[0]).toMatchObject({ department: 'eco-env', to: 'district-command' });
    expect(await listed(tokens.command)).toEqual([id]);
    expect(await listed(tokens.command, '/api/v1/events?overdue=true')).toEqual([id]);
    expect(await handover(tokens.command)).toEqual([id]);
    expect((await call(`/api/v1/events/${id}`, tokens.water)).status).toBe(404);
    expect(await listed(tokens.water)).toEqual([]);
    // Sent on to water: water reads it, the bureau no more (its round is over), the duty command still.
    expect((await call(`/api/v1/events/${id}/dispatch`, tokens.operator, { department: 'water', note: 'a sewage smell: water' })).status).toBe(200);
    expect((await call(`/api/v1/events/${id}`, tokens.water)).status).toBe(200);
    expect((await call(`/api/v1/events/${id}`, tokens.eco)).status).toBe(404);
    expect((await call(`/api/v1/events/${id}`, tokens.command)).status).toBe(200);
    expect(await handover(tokens.command)).toEqual([id]);
  });

  it('acts on nothing of it, a comment included, however the path is spelled; reads it through every spelling the router takes', async () => {
    const before = (await call(`/api/v1/events/${id}`, tokens.operator)).body as unknown as EventBody;
    for (const action of ['comment', 'start', 'resolve', 'close', 'reopen', 'dispatch']) {
      for (const target of pathVariants(`/api/v1/events/${id}/${action}`)) {
        const answer = await rawRequest(test.endpoints.httpUrl, {
          target, method: 'POST', headers: { authorization: `Bearer ${tokens.command}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'x' }),
        });
        expect([403, 404, 400], `${target} ${answer.status}`).toContain(answer.status);
        if (answer.status === 400) expect(answer.body).toMatch(/WX_ERR_BAD_(TARGET|REQUEST)/);
      }
    }
    const after = (await call(`/api/v1/events/${id}`, tokens.operator)).body as unknown as EventBody;
    expect(after.timeline).toEqual(before.timeline);
    // A read is the route's, whatever the spelling: where the router matches the detail it answers it, else nothing of it.
    let read = 0;
    for (const target of pathVariants(`/api/v1/events/${id}`)) {
      const answer = await rawRequest(test.endpoints.httpUrl, { target, headers: { authorization: `Bearer ${tokens.command}` } });
      expect([200, 404, 400], `${target} ${answer.status}`).toContain(answer.status);
      if (answer.status === 200) read += 1;
      const other = await rawRequest(test.endpoints.httpUrl, { target, headers: { authorization: `Bearer ${tokens.eco}` } });
      expect([404, 400], `${target} ${other.status}`).toContain(other.status);
      expect(other.body).not.toContain('"timeline"');
    }
    expect(read).toBeGreaterThan(1);
  });

  it('keeps its figures to the rounds it was sent: none', async () => {
    expect((await call('/api/v1/events/figures?weeks=1', tokens.command)).body.rows).toEqual([]);
    const everyone = (await call('/api/v1/events/figures?weeks=1', tokens.operator)).body.rows as Array<{ by: string; key: string }>;
    // The bureau's time to dispatch; water's dispatch sent it on within the round, which no one started.
    expect(everyone.filter((row) => row.by === 'department').map((row) => row.key)).toEqual(['eco-env']);
  });
});
