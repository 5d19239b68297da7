import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, saveUsersFile, emptyUsersFile } from '../../services/people/users-file.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { startWebhookReceiver, type ReceivedHook } from '../helpers/webhook-receiver.ts';

type Hook = ReceivedHook<{ kind?: string; msgtype?: string; text?: { content: string }; event?: { id: string }; record?: { kind: string } }>;
const startReceiver = () => startWebhookReceiver<Hook['body']>();

const tokens = {
  zhang: 'operator-zhang-wei-0123456789abcdef',
  reader: 'reader-token-0123456789abcdef',
  eco: 'department-eco-env-0123456789abcdef',
  water: 'department-water-0123456789abcdef',
  anonymousOperator: 'operator-anonymous-0123456789abcdef',
};

type EventBody = { id: string; state: string; department: string | null; alarms: Array<{ id: string; deviceId: string }>; overdue: boolean; escalations: Array<{ reason: string; to: string | null }>; timeline: Array<{ kind: string; by: string; note?: string }> };

describe('from alarm to resolution (issue 23): a PM2.5 episode at two stations, end to end', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let test: TestPlatform;
  let offsetMs = 0;
  let liNaToken: string;
  const call = async (path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-events-'));
    receiver = await startReceiver();
    // An installation's copy of the seed, with the bureau's robot and the duty command's JSON webhook.
    const seed = JSON.parse(await readFile(new URL('../../seeds/departments.json', import.meta.url), 'utf8')) as { departments: Array<Record<string, unknown>> };
    for (const department of seed.departments) {
      if (department.id === 'eco-env') department.webhook = { url: `${receiver.url}/eco-env/cgi-bin/webhook/send?key=ECO-ROBOT-KEY`, style: 'robot' };
      if (department.id === 'district-command') department.webhook = { url: `${receiver.url}/command`, style: 'json' };
    }
    await writeFile(join(dir, 'departments.json'), JSON.stringify(seed));
    // li.na is a named person of the users file `wanxiang users add` keeps.
    const added = addUser(emptyUsersFile, { name: 'li.na', role: 'operator' });
    liNaToken = added.token;
    await saveUsersFile(join(dir, 'users.json'), added.file);
    test = await startTestPlatform({
      alarms: { webhookBaseDelayMs: 20 },
      events: { departmentsFile: join(dir, 'departments.json'), sweepIntervalMs: 60_000 },
      http: {
        usersFile: join(dir, 'users.json'),
        tokens: [
          { role: 'operator', name: 'zhang.wei', token: tokens.zhang }, { role: 'operator', token: tokens.anonymousOperator }, { role: 'reader', token: tokens.reader },
          { role: 'department', name: 'eco-env', token: tokens.eco }, { role: 'department', name: 'water', token: tokens.water },
        ],
      },
    }, { now: () => Date.now() + offsetMs });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('becomes one event, dispatched to the bureau, escalated when left alone, resolved and closed by named people, in the week’s figures', async () => {
    // Real readings over MQTT raise the alarms: PM2.5 250 µg/m³ is a real-time AQI of 300 at two stations.
    for (const id of ['air-guiyuan', 'air-huangbei']) {
      const device = await test.connect(test.device(id));
      await device.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    }
    const dispatched = await receiver.waitFor((hook) => hook.path.startsWith('/eco-env') && (hook.body.text?.content ?? '').includes('派单'));
    expect(dispatched.body.text!.content).toContain('深圳市生态环境局罗湖管理局');
    let listed = await call('/api/v1/events?family=air', tokens.reader);
    // Both alarms may take a moment to join: wait until the one event holds both stations.
    for (let i = 0; i < 200 && (listed.body.events as EventBody[])[0]?.alarms.length !== 2; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      listed = await call('/api/v1/events?family=air', tokens.reader);
    }
    const events = listed.body.events as EventBody[];
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.alarms.map((alarm) => alarm.deviceId).sort()).toEqual(['air-guiyuan', 'air-huangbei']);
    expect(event).toMatchObject({ state: 'dispatched', department: 'eco-env', overdue: false });

    // Left alone past its due time (30 minutes for a warning): the clock moves, not the test's wait.
    offsetMs = 31 * 60_000;
    test.platform.events!.sweep();
    const escalated = await receiver.waitFor((hook) => hook.path === '/command' && hook.body.kind === 'escalated');
    expect(escalated.body).toMatchObject({ record: { kind: 'escalated', reason: 'not-acknowledged', department: 'eco-env', to: 'district-command' }, event: { id: event!.id } });
    expect(await test.metric('wanxiang_event_escalations_total', { department: 'eco-env', reason: 'not-acknowledged' })).toBe(1);
    const marked = await call(`/api/v1/events/${event!.id}`, tokens.reader);
    expect(marked.body).toMatchObject({ overdue: true, escalations: [{ reason: 'not-acknowledged', to: 'district-command' }] });
    // The wall's mark: counts only, so anyone who may read the district may read them (reads are open here).
    expect(await call('/api/v1/events/marks')).toMatchObject({ status: 200, body: { open: 1, overdue: 1 } });
    // Swept again, the same lateness is not escalated twice.
    test.platform.events!.sweep();
    expect(await test.metric('wanxiang_event_escalations_total')).toBe(1);

    // Named people act; a department and a reader change nothing.
    expect((await call(`/api/v1/events/${event!.id}/start`, tokens.eco, { note: 'on my way' })).status).toBe(403);
    expect((await call(`/api/v1/events/${event!.id}/start`, tokens.reader, {})).status).toBe(403);
    offsetMs = 40 * 60_000;
    expect((await call(`/api/v1/events/${event!.id}/start`, liNaToken, { note: 'inspector sent to the Dongmen building sites' })).status).toBe(200);
    expect((await call(`/api/v1/events/${event!.id}/comment`, tokens.anonymousOperator, { note: 'forecast: stagnant air until evening' })).status).toBe(200);
    offsetMs = 3 * 3_600_000;
    const resolved = await call(`/api/v1/events/${event!.id}/resolve`, liNaToken, { note: 'dust suppression ordered at two sites', cause: 'real-exceedance' });
    expect(resolved.status).toBe(200);
    expect((await call(`/api/v1/events/${event!.id}/resolve`, liNaToken, { note: 'again', cause: 'real-exceedance' })).status).toBe(409);
    offsetMs = 3 * 3_600_000 + 10 * 60_000;
    const closed = await call(`/api/v1/events/${event!.id}/close`, tokens.zhang, { note: 'verified on the wall: AQI back under 100' });
    expect(closed.status).toBe(200);
    const timeline = (closed.body as unknown as EventBody).timeline;
    // The first alarm opens the event and routing dispatches it at once; the second station's joins it.
    expect(timeline.map((entry) => [entry.kind, entry.by])).toEqual([
      ['opened', 'system'], ['dispatched', 'system'], ['joined', 'system'], ['escalated', 'system'],
      ['started', 'li.na'], ['commented', 'operator'], ['resolved', 'li.na'], ['closed', 'zhang.wei'],
    ]);
    expect(timeline.find((entry) => entry.kind === 'resolved')).toMatchObject({ by: 'li.na', note: 'dust suppression ordered at two sites' });
    await receiver.waitFor((hook) => hook.path.startsWith('/eco-env') && (hook.body.text?.content ?? '').includes('已办结'));
    expect((await call('/api/v1/events/marks')).body).toEqual({ open: 0, overdue: 0 });

    // An alarm's acknowledgement records the person too (issue 23 item 1), never a name the body gives.
    const alarmId = event!.alarms[0]!.id;
    const acknowledged = await call(`/api/v1/alarms/${encodeURIComponent(alarmId)}/ack`, tokens.zhang, { note: 'seen on the wall' });
    expect(acknowledged).toMatchObject({ status: 200, body: { acknowledgedBy: 'zhang.wei' } });
    expect((await call(`/api/v1/alarms/${encodeURIComponent(alarmId)}/ack`, tokens.eco, { note: 'x' })).status).toBe(403);

    // The week's response figures show it: acknowledged 40 − 0 min after dispatch, resolved after 3 h.
    const figures = await call('/api/v1/events/figures?weeks=1', tokens.reader);
    const rows = figures.body.rows as Array<{ by: string; key: string; acknowledge: { count: number; medianS: number }; resolve: { count: number; medianS: number; p90S: number } }>;
    const bureau = rows.find((row) => row.by === 'department' && row.key === 'eco-env')!;
    expect(bureau.acknowledge.count).toBe(1);
    expect(bureau.acknowledge.medianS).toBeGreaterThanOrEqual(39 * 60);
    expect(bureau.resolve).toMatchObject({ count: 1 });
    expect(bureau.resolve.p90S).toBeGreaterThanOrEqual(2.9 * 3_600);
    expect(rows.find((row) => row.by === 'family' && row.key === 'air')!.resolve.count).toBe(1);
    const metrics = await (await fetch(`${test.endpoints.httpUrl}/metrics`, { headers: { authorization: `Bearer ${tokens.reader}` } })).text();
    const resolveCount = metrics.split('\n').find((line) => line.startsWith('wanxiang_event_response_seconds_count') && line.includes('stage="resolve"') && line.includes('department="eco-env"'));
    expect(resolveCount).toMatch(/ 1$/);
    // The robot's key went nowhere but to the robot.
    expect(JSON.stringify(receiver.received.map((hook) => hook.body))).not.toContain('ECO-ROBOT-KEY');
  }, 60_000);

  it('lets a department see its own events only, and answers bad requests with their codes', async () => {
    const [event] = (await call('/api/v1/events', tokens.eco)).body.events as EventBody[];
    expect(event).toBeDefined();
    expect((await call('/api/v1/events', tokens.water)).body.events).toEqual([]);
    expect(await call(`/api/v1/events/${event!.id}`, tokens.water)).toMatchObject({ status: 404, body: { code: 'WX_ERR_EVENT_NOT_FOUND' } });
    expect((await call(`/api/v1/events/${event!.id}`, tokens.eco)).status).toBe(200);
    // Names of people are not open reading: no credential, no events.
    expect((await call('/api/v1/events')).status).toBe(401);
    expect(await call('/api/v1/events?colour=red', tokens.reader)).toMatchObject({ status: 400, body: { code: 'WX_ERR_INVALID_ARGUMENT' } });
    expect(await call(`/api/v1/events/${event!.id}/reopen`, tokens.zhang, { note: 'x', by: 'admin' })).toMatchObject({ status: 400 });
    expect(await call(`/api/v1/events/${event!.id}/dispatch`, tokens.zhang, { department: 'ministry-of-magic' })).toMatchObject({ status: 409, body: { code: 'WX_ERR_EVENT_STATE' } });
    expect(await call('/api/v1/events/nope/comment', tokens.zhang, { note: 'x' })).toMatchObject({ status: 404, body: { code: 'WX_ERR_EVENT_NOT_FOUND' } });
    expect(await call(`/api/v1/events/${event!.id}/resolve`, tokens.zhang, { note: '', cause: 'other' })).toMatchObject({ status: 400, body: { code: 'WX_ERR_INVALID_ARGUMENT' } });
    // Red team 11: a note that shows nothing (zero-width, non-breaking and ideographic spaces, a control character) is no note.
    for (const note of ['\u200b', '\u00a0\u3000', '\u200b\u200d\ufeff', '\u0007']) {
      expect(await call(`/api/v1/events/${event!.id}/resolve`, tokens.zhang, { note, cause: 'other' }), JSON.stringify(note)).toMatchObject({ status: 400, body: { code: 'WX_ERR_INVALID_ARGUMENT' } });
    }
    const departments = await call('/api/v1/departments', tokens.reader);
    expect(JSON.stringify(departments.body)).not.toContain('ECO-ROBOT-KEY');
    expect((departments.body.departments as Array<{ id: string; hasWebhook: boolean }>).find((entry) => entry.id === 'eco-env')!.hasWebhook).toBe(true);
    // Every event route declares its tag and its security in the OpenAPI document, from its declared access:
    // the reads take a token or the screen's session (access `signed-in`), the actions an operator's token.
    const document = (await (await fetch(`${test.endpoints.httpUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>> };
    const eventPaths = Object.entries(document.paths).filter(([path]) => path.startsWith('/api/v1/events') || path === '/api/v1/departments' || path === '/api/v1/people/me');
    expect(eventPaths.length).toBeGreaterThanOrEqual(11);
    for (const [path, operations] of eventPaths) {
      for (const [method, operation] of Object.entries(operations)) {
        // The wall's mark (counts only) is a read like the district's: open here, as reads are.
        if (path === '/api/v1/events/marks') expect(operation.security, path).toBeUndefined();
        else expect(operation, `${method} ${path}`).toMatchObject({ tags: ['events'], security: method === 'post' ? [{ bearer: [] }] : [{ bearer: [] }, { session: [] }] });
      }
    }
  });

  it('reopens the closed event when the episode recurs within the window, and routes it again', async () => {
    const reopened = new Promise<string>((resolve) => {
      const stop = test.platform.events!.onChange((event, record) => {
        if (record.kind === 'dispatched' && event.reopened > 0) {
          stop();
          resolve(event.id);
        }
      });
    });
    // A third station of the same district, an hour after the close: the same episode, not a new event.
    offsetMs = 4 * 3_600_000;
    const device = await test.connect(test.device('air-dongmen'));
    await device.publishAsync(test.topics.build('air', 'air-dongmen', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    const id = await reopened;
    const { body } = await call(`/api/v1/events/${id}`, tokens.zhang);
    expect(body).toMatchObject({ state: 'dispatched', department: 'eco-env' });
    expect((body as unknown as EventBody).timeline.slice(-3).map((entry) => [entry.kind, entry.by])).toEqual([['reopened', 'system'], ['joined', 'system'], ['dispatched', 'system']]);
    expect((await call('/api/v1/events?family=air', tokens.reader)).body.events).toHaveLength(1);
  });

  it('takes a disabled user’s token away at once', async () => {
    const { setUserDisabled, loadUsersFile } = await import('../../services/people/users-file.ts');
    const path = join(dir, 'users.json');
    // A person of the users file signs a screen in too (a session cookie, reads only); disabling them ends it.
    const signIn = await fetch(`${test.endpoints.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: liNaToken }) });
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const withCookie = async () => (await fetch(`${test.endpoints.httpUrl}/api/v1/events`, { headers: { cookie } })).status;
    expect(await withCookie()).toBe(200);
    await saveUsersFile(path, setUserDisabled(await loadUsersFile(path), 'li.na', true));
    // The platform's watcher reloads the file on its own; nothing outside it to await, so ask until it refuses.
    let status = 0;
    for (let i = 0; i < 100 && status !== 401; i += 1) {
      status = (await call('/api/v1/events', liNaToken)).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect(await withCookie()).toBe(401);

    // Enabled again: the token works, a new sign-in works, but the screen signed in before the
    // disable stays signed out (it came back to life before sessionsFrom).
    await saveUsersFile(path, setUserDisabled(await loadUsersFile(path), 'li.na', false));
    for (let i = 0; i < 100 && status !== 200; i += 1) {
      status = (await call('/api/v1/events', liNaToken)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(200);
    expect(await withCookie()).toBe(401);
    const again = await fetch(`${test.endpoints.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: liNaToken }) });
    expect(again.status).toBe(204);
    const fresh = again.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${test.endpoints.httpUrl}/api/v1/events`, { headers: { cookie: fresh } })).status).toBe(200);
  });
});

describe('events after a restart', () => {
  it('are rebuilt from their records in InfluxDB, timeline and all, and go on from where they were', async () => {
    const database = `test_events_restart_${Date.now().toString(36)}`;
    const token = 'operator-wang-fang-0123456789abcdef';
    const overrides = { influx: { database }, http: { tokens: [{ role: 'operator' as const, name: 'wang.fang', token }] } };
    const call = async (base: TestPlatform, path: string, body?: unknown) => {
      const response = await fetch(`${base.endpoints.httpUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() as EventBody & { events: EventBody[] } };
    };
    const first = await startTestPlatform(overrides);
    let id: string;
    try {
      const opened = new Promise<void>((resolve) => {
        const stop = first.platform.events!.onChange((_event, record) => {
          if (record.kind === 'dispatched') {
            stop();
            resolve();
          }
        });
      });
      const device = await first.connect(first.device('air-dongmen'));
      await device.publishAsync(first.topics.build('air', 'air-dongmen', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
      await opened;
      id = (await call(first, '/api/v1/events')).body.events[0]!.id;
      expect((await call(first, `/api/v1/events/${id}/start`, { note: '开始处置\nline two' })).status).toBe(200);
    } finally {
      await first.close();
    }
    const second = await startTestPlatform(overrides);
    try {
      const restored = await call(second, `/api/v1/events/${id}`);
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ state: 'in_progress', department: 'eco-env', alarms: [{ deviceId: 'air-dongmen' }] });
      expect(restored.body.timeline.map((entry) => entry.kind)).toEqual(['opened', 'dispatched', 'started']);
      expect(restored.body.timeline.at(-1)).toMatchObject({ by: 'wang.fang', note: '开始处置\nline two' });
      const resolved = await call(second, `/api/v1/events/${id}/resolve`, { note: 'done', cause: 'other' });
      expect(resolved.body).toMatchObject({ state: 'resolved' });
    } finally {
      await second.close();
    }
  }, 60_000);
});
