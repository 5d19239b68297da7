import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictEvent, EventRecord } from '../../services/events/index.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { wholeTimeline } from '../helpers/event-timeline.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { operator: 'operator-zhang-wei-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };
const access = { readAccess: 'token' as const, tokens: [{ role: 'operator' as const, name: 'zhang.wei', token: tokens.operator }, { role: 'reader' as const, token: tokens.reader }] };

/** The next change of one kind the engine makes (to an event whose alarms are of `deviceId`, when given). */
function nextChange(test: TestPlatform, kind: EventRecord['kind'], deviceId?: string): Promise<DistrictEvent> {
  return new Promise((resolve) => {
    const stop = test.platform.events!.onChange((event, record) => {
      if (record.kind !== kind || (deviceId && !event.alarms.some((alarm) => alarm.deviceId === deviceId))) return;
      stop();
      resolve(event);
    });
  });
}

/**
 * An event's timeline has no end (re-dispatches, reopen cycles with 2,000-character notes, 500
 * comments, a flapping device's joins) and every answer about the event carried all of it: a
 * long-lived event's answer ran to megabytes and the desk drew every entry. An answer now carries
 * the newest 200 entries and how many there are; older ones are read in pages.
 */
describe('an event’s timeline in pages', () => {
  let test: TestPlatform;
  let id: string;
  const call = apiCaller(() => test.endpoints.httpUrl);
  const longNote = (n: number) => `shift note ${n}: ${'水'.repeat(1_980)}`;

  beforeAll(async () => {
    test = await startTestPlatform({ events: { sweepIntervalMs: 600_000 }, http: access });
    const dispatched = nextChange(test, 'dispatched');
    const device = await test.connect(test.device('air-guiyuan'));
    await device.publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    id = (await dispatched).id;
    // A long-lived event: 450 comments of 2,000 characters and 300 re-dispatches, through the engine the API acts on.
    const events = test.platform.events!;
    for (let n = 0; n < 450; n += 1) events.act(id, { kind: 'comment', note: longNote(n) }, 'zhang.wei');
    for (let n = 0; n < 300; n += 1) events.act(id, { kind: 'dispatch', department: 'eco-env', note: `sent again ${n}` }, 'zhang.wei');
    await events.persisted();
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('answers the newest 200 entries with the total, not the whole timeline', async () => {
    const held = test.platform.events!.get(id)!.timeline;
    expect(held).toHaveLength(752);
    const answer = await call(`/api/v1/events/${id}`, tokens.reader);
    expect(answer.status).toBe(200);
    const timeline = answer.body.timeline as Array<EventRecord & { seq: number }>;
    expect(answer.body.timelineTotal).toBe(752);
    expect(timeline.map((entry) => entry.seq)).toEqual(Array.from({ length: 200 }, (_, n) => 552 + n));
    expect(timeline.map(({ seq: _seq, ...record }) => record)).toEqual(held.slice(552));
    // The whole timeline was ~2 MB (450 notes of 2,000 characters, three bytes each); the newest 200 are re-dispatches.
    expect(answer.text.length).toBeLessThan(100_000);
    // An action's answer is the same view, with its own change the newest entry.
    const commented = await call(`/api/v1/events/${id}/comment`, tokens.operator, { note: 'handed over to the night shift' });
    expect(commented.status).toBe(200);
    expect(commented.body.timelineTotal).toBe(753);
    expect((commented.body.timeline as unknown[]).length).toBe(200);
    expect((commented.body.timeline as Array<{ seq: number; note?: string }>).at(-1)).toMatchObject({ seq: 752, kind: 'commented', by: 'zhang.wei', note: 'handed over to the night shift' });
  });

  it('pages older entries before a seq, oldest first, down to the opening; the pages make the whole timeline', async () => {
    const held = test.platform.events!.get(id)!.timeline;
    const whole = await wholeTimeline(call, id, tokens.reader);
    expect(whole.map((entry) => entry.seq)).toEqual(held.map((_record, n) => n));
    expect(whole.map(({ seq: _seq, ...record }) => record)).toEqual(held);
    expect(whole[0]).toMatchObject({ kind: 'opened', by: 'system' });
    const page = await call(`/api/v1/events/${id}/timeline?before=100&limit=50`, tokens.reader);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ id, timelineTotal: held.length });
    expect((page.body.timeline as Array<{ seq: number; note: string }>).map((entry) => [entry.seq, entry.note])).toEqual(held.slice(50, 100).map((record, n) => [50 + n, (record as { note: string }).note]));
    expect((await call(`/api/v1/events/${id}/timeline?before=0`, tokens.reader)).body.timeline).toEqual([]);
    // No `before`: the newest page, as the detail carries it.
    expect(((await call(`/api/v1/events/${id}/timeline?limit=1`, tokens.reader)).body.timeline as Array<{ seq: number }>)[0]!.seq).toBe(held.length - 1);
  });

  it('refuses a page it cannot give, with WX_ERR_INVALID_ARGUMENT', async () => {
    const queries = ['limit=0', 'limit=201', 'limit=abc', 'before=-1', 'before=1e3', 'before=9999999999', 'before=', 'x=1'];
    for (const query of queries) {
      const answer = await call(`/api/v1/events/${id}/timeline?${query}`, tokens.reader);
      expect(answer.status, query).toBe(400);
      expect(answer.body.code, query).toBe('WX_ERR_INVALID_ARGUMENT');
    }
    expect((await call('/api/v1/events/no-such-event/timeline', tokens.reader)).body.code).toBe('WX_ERR_EVENT_NOT_FOUND');
  });

  it('lists events without their timelines', async () => {
    const list = await call('/api/v1/events', tokens.reader);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('"timeline');
    expect(list.text).not.toContain('"changes"');
    expect(list.text.length).toBeLessThan(5_000);
  });

  it('documents the page and its schema in the OpenAPI document', async () => {
    const document = await (await fetch(`${test.endpoints.httpUrl}/docs/json`, { headers: { authorization: `Bearer ${tokens.reader}` } })).json() as { paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string }>; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> } }> };
    const page = document.paths['/api/v1/events/{id}/timeline']?.get;
    expect(page?.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`).sort()).toEqual(['path:id', 'query:before', 'query:limit']);
    expect(Object.keys(page!.responses['200']!.content!['application/json']!.schema.properties!).sort()).toEqual(['id', 'timeline', 'timelineTotal']);
    const detail = document.paths['/api/v1/events/{id}']!.get!.responses['200']!.content!['application/json']!.schema.properties!;
    expect(detail).toHaveProperty('timelineTotal');
  });
});

/**
 * A flapping water-depth sensor: its alarm opens, clears and opens again all night. Each flap added
 * a `joined` and an `alarm-closed` entry and an alarm to the event, for good. Its run is one entry
 * now, with how many times, since when and the first alarm's id; every join is still a point of its
 * own in InfluxDB, and the run comes back the same after a restart.
 */
describe('a flapping device’s joins', () => {
  let dir: string;
  const database = `test_events_flapping_${Date.now().toString(36)}`;
  const deviceId = 'waterlogging-wenjin-school';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-flapping-'));
    // The caution depth alone, opened by one reading and closed by one clear reading: a sensor at the edge of the threshold.
    await writeFile(join(dir, 'rules.json'), JSON.stringify({
      version: 1,
      rules: [{
        id: 'waterlogging-caution', family: 'waterlogging', severity: 'warning', textZh: '{site}积水{value}厘米', textEn: '{site}: water {value} cm deep',
        condition: { kind: 'field-above', field: 'depth', atLeastAttribute: 'cautionCm', atLeast: 15 }, debounce: 1, holdMs: 0,
      }],
    }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('folds into one entry with its count, first time and id, and comes back the same after a restart', async () => {
    const overrides = { influx: { database }, alarms: { rulesFile: join(dir, 'rules.json') }, events: { sweepIntervalMs: 600_000 }, http: access };
    const first = await startTestPlatform(overrides);
    const call = apiCaller(() => first.endpoints.httpUrl);
    let id = '';
    let before: unknown;
    try {
      const device = await first.connect(first.device(deviceId));
      const topic = first.topics.build('waterlogging', deviceId, 'telemetry');
      const flap = async (firstOne: boolean) => {
        const joined = nextChange(first, firstOne ? 'dispatched' : 'joined', deviceId);
        await device.publishAsync(topic, JSON.stringify({ depth: 20 }), { qos: 1 });
        id = (await joined).id;
        const cleared = nextChange(first, 'alarm-closed', deviceId);
        await device.publishAsync(topic, JSON.stringify({ depth: 0 }), { qos: 1 });
        await cleared;
      };
      for (let n = 0; n < 31; n += 1) await flap(n === 0);
      // A comment between flaps: the run ends there, and the next flaps make a run of their own.
      expect((await call(`/api/v1/events/${id}/comment`, tokens.operator, { note: 'sensor at the edge of the caution depth' })).status).toBe(200);
      for (let n = 0; n < 3; n += 1) await flap(false);

      const answer = await call(`/api/v1/events/${id}`, tokens.reader);
      const timeline = answer.body.timeline as Array<{ kind: string; atMs: number; alarm?: { id: string }; run?: { count: number; firstAtMs: number; firstAlarmId: string } }>;
      expect(timeline.map((entry) => [entry.kind, entry.run?.count ?? null])).toEqual([
        ['opened', null], ['dispatched', null], ['alarm-closed', null], ['joined', 30], ['alarm-closed', null], ['commented', null], ['joined', 3], ['alarm-closed', null],
      ]);
      const alarms = (answer.body.alarms as Array<{ id: string; closedAtMs: number | null }>);
      // The opening alarm and each run's latest: the list's answer no longer grows a flap at a time.
      expect(alarms).toHaveLength(3);
      expect(alarms.every((alarm) => alarm.closedAtMs !== null)).toBe(true);
      const run = timeline[3]!;
      expect(run.alarm!.id).not.toBe(run.run!.firstAlarmId);
      expect(run.run!.firstAtMs).toBeLessThan(run.atMs);
      before = answer.body;
    } finally {
      await first.close();
    }
    const second = await startTestPlatform(overrides);
    try {
      // The events' history holds each join, as the alarms' holds each of the run's alarms.
      const joins = await second.platform.influx.query(`SELECT COUNT("event_id") FROM "events" WHERE "kind" = 'joined'`);
      expect(Number(joins[0]!.values[0]![1])).toBe(33);
      const restored = await apiCaller(() => second.endpoints.httpUrl)(`/api/v1/events/${id}`, tokens.reader);
      const { overdue: _overdue, ...was } = before as Record<string, unknown>;
      expect(restored.body).toMatchObject(was);
    } finally {
      await second.close();
      await second.platform.influx.query(`DROP DATABASE "${database}"`, { database: null }).catch(() => undefined);
    }
  }, 120_000);
});
