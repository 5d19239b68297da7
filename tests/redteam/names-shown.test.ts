import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmChange } from '../../services/alarms/alarm-types.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', officer: 'officer-token-0123456789abcdef' };
const people = [
  { role: 'reader' as const, token: tokens.reader },
  { role: 'operator' as const, name: 'li.na', token: tokens.operator },
  { role: 'officer' as const, name: 'zhang.wei', token: tokens.officer },
];
const names = /li\.na|zhang\.wei/;

/** Reads a server-sent event stream until its text satisfies `done`; then ends it. */
async function streamUntil(url: string, headers: Record<string, string>, done: (text: string) => boolean, opened?: () => Promise<unknown>): Promise<string> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let acted = false;
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
      // The stream is attached once its first bytes came (`retry:`): only then is the action taken.
      if (!acted && opened) {
        acted = true;
        void opened();
      }
    }
  } finally {
    abort.abort();
  }
  return text;
}

/**
 * Who did what goes only to a caller with a credential (the privacy pass): in the default open read
 * access an anonymous reader of the alarms, the live picture, the review marks and history and the
 * event stream sees roles (`operator`, `officer`), the same calls with a token see the names; in
 * read access `token` nothing is anonymous and nothing changes.
 */
describe('red team: people’s names on open reads', () => {
  let test: TestPlatform;
  let url: string;
  let alarmId: string;
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(response.status, path).toBe(200);
    return response.text();
  };
  const post = (path: string, body: unknown, token: string) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    test = await startTestPlatform({ http: { tokens: people } });
    url = test.endpoints.httpUrl;
    const opened = new Promise<AlarmChange>((resolve) => {
      const stop = test.platform.alarms.onChange((change) => {
        if (change.kind !== 'opened' || change.alarm.deviceId !== 'air-guiyuan') return;
        stop();
        resolve(change);
      });
    });
    const device = await test.connect(test.device('air-guiyuan'));
    await device.publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    alarmId = (await opened).alarm.id;
    const mark = await post('/api/v1/review/marks', { device: 'air-guiyuan', from: '2025-03-11T10:00', to: '2025-03-11T11:00', reason: 'calibration', comment: 'span check' }, tokens.officer);
    expect(mark.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('shows an anonymous reader the role of whoever acknowledged an alarm, live and on the event stream; a token sees the name', async () => {
    const anonymous = streamUntil(`${url}/api/v1/stream`, {}, (text) => text.includes('"kind":"acknowledged"'),
      async () => expect((await post(`/api/v1/alarms/${alarmId}/ack`, { note: 'called the site' }, tokens.operator)).status).toBe(200));
    const anonymousText = await anonymous;
    expect(anonymousText).toContain('"acknowledgedBy":"operator"');
    expect(anonymousText).not.toMatch(names);

    for (const path of ['/api/v1/alarms', '/api/v1/live']) {
      const open = await get(path);
      expect(open, path).toContain('"acknowledgedBy":"operator"');
      expect(open, path).toContain('"by":"operator"');
      expect(open, path).not.toMatch(names);
      const named = await get(path, tokens.reader);
      expect(named, path).toContain('"acknowledgedBy":"li.na"');
      expect(named, path).toContain('"by":"li.na"');
    }
    // A delta stream starts from the whole picture (`sync`), alarms included: roles to the anonymous, names to a token.
    const sync = (text: string) => text.includes('event: sync');
    const openSync = await streamUntil(`${url}/api/v1/stream?format=delta`, { 'accept-encoding': 'identity' }, sync);
    expect(openSync).toContain('"acknowledgedBy":"operator"');
    expect(openSync).not.toMatch(names);
    expect(await streamUntil(`${url}/api/v1/stream?format=delta`, { 'accept-encoding': 'identity', authorization: `Bearer ${tokens.reader}` }, sync)).toContain('"acknowledgedBy":"li.na"');
  });

  it('shows an anonymous reader the officer’s role on review marks and the history; a token or a session sees the name', async () => {
    const open = await get('/api/v1/review/marks');
    expect(open).toContain('"by":"officer"');
    expect(open).not.toMatch(names);
    expect(await get('/api/v1/review/marks', tokens.reader)).toContain('"by":"officer:zhang.wei"');
    const history = await get('/api/v1/review/history');
    expect(history).toContain('"by":"officer"');
    expect(history).not.toMatch(names);
    expect(await get('/api/v1/review/history', tokens.operator)).toContain('"by":"officer:zhang.wei"');
    // A screen's session (signed in with a reader token) counts as a credential.
    const session = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.reader }) });
    expect(session.status).toBe(204);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect(await (await fetch(`${url}/api/v1/review/marks`, { headers: { cookie } })).text()).toContain('"by":"officer:zhang.wei"');
  });
});

describe('red team: people’s names in read access token', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', tokens: people } });
    const mark = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, {
      method: 'POST', headers: { authorization: `Bearer ${tokens.officer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: 'air-guiyuan', from: '2025-03-11T10:00', to: '2025-03-11T11:00', reason: 'calibration' }),
    });
    expect(mark.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('still refuses the anonymous and still shows a token the names', async () => {
    expect((await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`)).status).toBe(401);
    const named = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    expect(await named.text()).toContain('"by":"officer:zhang.wei"');
  });
});
