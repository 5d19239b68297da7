import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, emptyUsersFile, saveUsersFile } from '../../services/people/users-file.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', eco: 'eco-env-token-0123456789abcdef', water: 'water-dept-token-0123456789abcd' };

/**
 * A department's credential (issue 23 item 3) sees its own events only. The red team signed a
 * screen in with a `department:water` token: the session cookie read every department's events,
 * figures and handover, and /people/me called it a reader, since the event routes asked only the
 * bearer token who was asking. The cookie's person is now the one whose token signed it in.
 */
describe('red team: a department’s session sees what its token sees', () => {
  let test: TestPlatform;
  let url: string;
  let dir: string;
  let personToken: string;
  let eventId: string;
  const get = async (target: string, headers: Record<string, string>) => {
    const answer = await rawRequest(url, { target, headers });
    expect(answer.status, target).toBe(200);
    return JSON.parse(answer.body) as Record<string, unknown>;
  };
  const signIn = async (token: string) => {
    const answer = await rawRequest(url, { method: 'POST', target: '/api/v1/session', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    return { cookie: `wx_session=${/^wx_session=([^;]*)/.exec(answer.headers['set-cookie'] ?? '')![1]!}` };
  };
  /** What a credential reads of the events: the list, the figures' rows, the handover and who it is. */
  const reads = async (headers: Record<string, string>) => {
    const { fromMs: _f, toMs: _t, ...handover } = await get('/api/v1/events/handover?hours=72', headers);
    return {
      events: await get('/api/v1/events', headers),
      figures: (await get('/api/v1/events/figures', headers)).rows,
      handover,
      me: await get('/api/v1/people/me', headers),
    };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-department-'));
    const usersFile = join(dir, 'users.json');
    const added = addUser(emptyUsersFile, { name: 'water.duty', role: 'department', department: 'water' });
    personToken = added.token;
    await saveUsersFile(usersFile, added.file);
    test = await startTestPlatform({
      events: { sweepIntervalMs: 600_000 },
      http: { usersFile, tokens: [{ role: 'reader', token: tokens.reader }, { role: 'department', name: 'eco-env', token: tokens.eco }, { role: 'department', name: 'water', token: tokens.water }] },
    });
    url = test.endpoints.httpUrl;
    // A real reading raises an alarm, and the alarm an event routed to the environment bureau (eco-env).
    const device = await test.connect(test.device('air-guiyuan'));
    await device.publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    // The alarm and its event follow the reading through the ingest: awaited by asking again.
    for (let events: Array<{ id: string }> = []; events.length === 0; await new Promise((resolve) => setImmediate(resolve))) {
      events = (await get('/api/v1/events', { authorization: `Bearer ${tokens.reader}` })).events as Array<{ id: string }>;
      if (events.length > 0) eventId = events[0]!.id;
    }
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('narrows a water token’s and a water person’s session as their bearer token, and shows them as they are', async () => {
    for (const token of [tokens.water, personToken]) {
      const bearer = await reads({ authorization: `Bearer ${token}` });
      const session = await reads(await signIn(token));
      expect(JSON.stringify(bearer)).not.toContain(eventId);
      expect(session).toEqual(bearer);
      expect(session.me).toMatchObject({ role: 'department', department: 'water' });
      const one = await rawRequest(url, { target: `/api/v1/events/${eventId}`, headers: await signIn(token) });
      expect(one.status).toBe(404);
    }
    // The department the event is routed to reads it through its session too.
    expect(JSON.stringify((await reads(await signIn(tokens.eco))).events)).toContain(eventId);
  });
});
