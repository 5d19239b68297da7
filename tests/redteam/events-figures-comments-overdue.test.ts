import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxCommentsPerEvent } from '../../services/events/comment-limit.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { wholeTimeline } from '../helpers/event-timeline.ts';
import { dispatchAirEvent } from '../helpers/dispatched-event.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startTokenEventsPlatform } from '../helpers/token-events-platform.ts';

const tokens = {
  operator: 'operator-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef',
  eco: 'eco-env-token-0123456789abcdef', water: 'water-dept-token-0123456789abcd',
};

interface FigureRow { by: string; key: string; dispatch: { count: number }; acknowledge: { count: number }; resolve: { count: number } }

/**
 * The events red team's second pass, against a real platform in read access `token`.
 * - Figures: a department read the figures of the events it has now, so an event sent on from the
 *   bureau (eco-env) to the water authority showed water the bureau's acknowledgement times, and
 *   the bureau no longer its own. A department's figures are now the cycles it was sent.
 * - Comments: an event took comments without end, and every answer about it carries them all
 *   (1,000 comments of 2,000 characters: a 6 MB answer, half a second of the platform's thread).
 * - Overdue: an event escalated once was `overdue` for good, though sent on to another department
 *   or reopened and routed afresh, with due times from then: ⚠ on the desk and in the wall's count.
 */
describe('red team: events, second pass', () => {
  let test: TestPlatform;
  let eventId: string;
  // The events' clock: moved past a due time instead of waiting half an hour.
  let offsetMs = 0;
  const call = apiCaller(() => test.endpoints.httpUrl);
  const figures = async (token: string) => (await call('/api/v1/events/figures?weeks=1', token)).body.rows as FigureRow[];

  beforeAll(async () => {
    test = await startTokenEventsPlatform([
      { role: 'operator', token: tokens.operator }, { role: 'reader', token: tokens.reader },
      { role: 'department', name: 'eco-env', token: tokens.eco }, { role: 'department', name: 'water', token: tokens.water },
    ], { now: () => Date.now() + offsetMs });
    eventId = await dispatchAirEvent(test);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('shows a department the figures of the cycles it was sent, wherever the event is now', async () => {
    expect((await call(`/api/v1/events/${eventId}/start`, tokens.operator, { note: 'bureau inspector on site' })).status).toBe(200);
    const bureauBefore = await figures(tokens.eco);
    expect(bureauBefore.find((row) => row.by === 'department' && row.key === 'eco-env')!.acknowledge.count).toBe(1);
    // Sent on to the water authority: the event is water's now, the bureau's acknowledgement is not.
    expect((await call(`/api/v1/events/${eventId}/dispatch`, tokens.operator, { note: 'a sewage smell: water', department: 'water' })).status).toBe(200);
    const water = await figures(tokens.water);
    expect(water.filter((row) => row.by === 'department').map((row) => row.key)).not.toContain('eco-env');
    expect(water.every((row) => row.acknowledge.count === 0 && row.dispatch.count === 0), JSON.stringify(water)).toBe(true);
    // The bureau still reads its own times, and only them.
    expect(await figures(tokens.eco)).toEqual(bureauBefore);
    // Water starts: its own acknowledgement, by department and by family; the reader sees both departments.
    expect((await call(`/api/v1/events/${eventId}/start`, tokens.operator, { note: 'water crew sent' })).status).toBe(200);
    const waterAfter = await figures(tokens.water);
    expect(waterAfter.map((row) => [row.by, row.key, row.acknowledge.count])).toEqual([['department', 'water', 1], ['family', 'air', 1]]);
    const everyone = await figures(tokens.reader);
    expect(everyone.filter((row) => row.by === 'department').map((row) => row.key).sort()).toEqual(['eco-env', 'water']);
    expect(everyone.find((row) => row.by === 'family')!.acknowledge.count).toBe(2);
  });

  it(`takes ${maxCommentsPerEvent} comments on one event and refuses the next, while its lifecycle goes on`, async () => {
    const comment = (n: number) => call(`/api/v1/events/${eventId}/comment`, tokens.operator, { note: `shift note ${n}` });
    // Twenty at a time: each is answered once on disk.
    for (let n = 0; n < maxCommentsPerEvent; n += 20) {
      const answers = await Promise.all(Array.from({ length: Math.min(20, maxCommentsPerEvent - n) }, (_, i) => comment(n + i)));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    }
    const refused = await comment(maxCommentsPerEvent);
    expect(refused).toMatchObject({ status: 409, body: { code: 'WX_ERR_EVENT_COMMENTS_FULL' } });
    expect(String(refused.body.message)).toContain(eventId);
    // The event is still seen through, each step with its note.
    const resolved = await call(`/api/v1/events/${eventId}/resolve`, tokens.operator, { note: 'culvert cleared', cause: 'real-exceedance' });
    expect(resolved).toMatchObject({ status: 200, body: { state: 'resolved' } });
    expect((await call(`/api/v1/events/${eventId}/close`, tokens.operator, { note: 'verified' })).body).toMatchObject({ state: 'closed' });
    // Every comment is kept, read through the timeline's pages (an answer carries the newest entries only).
    const timeline = await wholeTimeline(call, eventId, tokens.reader);
    expect(timeline.filter((record) => record.kind === 'commented')).toHaveLength(maxCommentsPerEvent);
  }, 120_000);

  it('counts an event overdue for its current round only: a new dispatch starts the clock again', async () => {
    const overdue = async () => ({
      flag: ((await call(`/api/v1/events/${eventId}`, tokens.reader)).body.overdue),
      marks: (await call('/api/v1/events/marks', tokens.reader)).body.overdue,
      listed: ((await call('/api/v1/events?overdue=true', tokens.reader)).body.events as Array<{ id: string }>).some((event) => event.id === eventId),
      handover: ((await call('/api/v1/events/handover?hours=72', tokens.reader)).body.overdue as Array<{ id: string }>).some((event) => event.id === eventId),
    });
    const late = { flag: true, marks: 1, listed: true, handover: true };
    const onTime = { flag: false, marks: 0, listed: false, handover: false };
    // Reopened: routed to the bureau again, due times from now.
    expect((await call(`/api/v1/events/${eventId}/reopen`, tokens.operator, { note: 'smell is back' })).body).toMatchObject({ state: 'dispatched', department: 'eco-env' });
    expect(await overdue()).toEqual(onTime);
    // Left alone past its acknowledgement time: escalated, overdue.
    offsetMs += 31 * 60_000;
    test.platform.events!.sweep();
    expect(((await call(`/api/v1/events/${eventId}`, tokens.reader)).body.escalations as unknown[]).length).toBe(1);
    expect(await overdue()).toEqual(late);
    // The duty command sends it on: the water authority's round starts now, on time.
    expect((await call(`/api/v1/events/${eventId}/dispatch`, tokens.operator, { note: 'water, please', department: 'water' })).status).toBe(200);
    expect(await overdue()).toEqual(onTime);
    // Late in its turn too: overdue again, escalated for water.
    offsetMs += 31 * 60_000;
    test.platform.events!.sweep();
    expect(await overdue()).toEqual(late);
    // Seen through and reopened: routed afresh, on time; both escalations stay on the event.
    for (const action of ['start', 'resolve', 'close']) expect((await call(`/api/v1/events/${eventId}/${action}`, tokens.operator, { note: `${action}: done`, ...(action === 'resolve' ? { cause: 'real-exceedance' } : {}) })).status).toBe(200);
    const reopened = await call(`/api/v1/events/${eventId}/reopen`, tokens.operator, { note: 'again' });
    expect(reopened.body).toMatchObject({ state: 'dispatched', overdue: false });
    expect((reopened.body.escalations as unknown[]).length).toBe(2);
    expect(await overdue()).toEqual(onTime);
  });
});
