import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { pathVariants, rawRequest } from './raw-http.ts';

const tokens = { officer: 'officer-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

/**
 * The officer's review (issue 22) attacked as a reader, an operator and two officers at once, in
 * read access `token`, over raw sockets: who may mark, what a mark may say, and two revocations of
 * one mark racing each other.
 */
describe('red team: the officer’s review marks', () => {
  let test: TestPlatform;
  let url: string;
  let air: string;
  const post = (target: string, body: unknown, token?: string) =>
    rawRequest(url, { target, method: 'POST', headers: { ...json, ...(token ? bearer(token) : {}) }, body: JSON.stringify(body) });
  const mark = () => ({ device: air, from: '2025-03-11T10:00', to: '2025-03-11T11:00', reason: 'calibration', comment: 'x' });

  beforeAll(async () => {
    test = await startTestPlatform({
      http: { readAccess: 'token', tokens: (Object.entries(tokens) as Array<['officer' | 'operator' | 'admin' | 'reader', string]>).map(([role, token]) => ({ role, token })) },
    });
    url = test.endpoints.httpUrl;
    air = test.platform.registry.devices.find((device) => device.family === 'air')!.id;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('takes one revocation of a mark when several race: the others are refused WX_ERR_MARK_REVOKED', async () => {
    const taken = await post('/api/v1/review/marks', mark(), tokens.officer);
    expect(taken.status).toBe(201);
    const { id } = JSON.parse(taken.body) as { id: string };
    const answers = await Promise.all(Array.from({ length: 6 }, (_, n) =>
      post('/api/v1/review/marks', { action: 'revoke', revokes: id, comment: `withdrawn by attempt ${n}` }, n % 2 ? tokens.admin : tokens.officer)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const answer of answers.filter((entry) => entry.status === 409)) expect(answer.body).toContain('WX_ERR_MARK_REVOKED');
    const history = (await rawRequest(url, { target: '/api/v1/review/history', headers: bearer(tokens.reader) })).body;
    expect(history.match(/"revokes":"m-/g)).toHaveLength(1);
  });

  it('lets neither a reader nor an operator mark or see the review page’s data, however the path is spelled; an officer does no operator’s work', async () => {
    const body = JSON.stringify(mark());
    for (const target of pathVariants('/api/v1/review/marks')) {
      for (const token of [tokens.reader, tokens.operator]) {
        const answer = await rawRequest(url, { target, method: 'POST', headers: { ...json, ...bearer(token) }, body });
        expect([403, 404, 400], `${target} ${answer.status}`).toContain(answer.status);
        if (answer.status === 400) expect(answer.body).toMatch(/WX_ERR_BAD_(TARGET|REQUEST)/);
      }
    }
    for (const target of pathVariants(`/api/v1/review/view`).map((path) => `${path}?device=${air}&from=2025-03-11&to=2025-03-12`)) {
      const answer = await rawRequest(url, { target, headers: bearer(tokens.operator) });
      expect([403, 404, 400], `${target} ${answer.status}`).toContain(answer.status);
      expect(answer.body).not.toContain('"readings"');
    }
    // HEAD is GET's twin, with GET's rule.
    for (const [target, token, status] of [
      [`/api/v1/review/view?device=${air}&from=2025-03-11&to=2025-03-12`, undefined, 401], [`/api/v1/review/view?device=${air}&from=2025-03-11&to=2025-03-12`, tokens.operator, 403],
      ['/api/v1/admin/backfill-window', tokens.operator, 403], ['/api/v1/admin/backfill-window', tokens.officer, 403],
    ] as const) {
      expect((await rawRequest(url, { target, method: 'HEAD', headers: token ? bearer(token) : {} })).status, `HEAD ${target}`).toBe(status);
    }
    // The officer ranks above a reader and below an operator: no replay, no event work, no device administration.
    expect((await post('/api/v1/replay', { recording: 'no-such-recording' }, tokens.officer)).status).toBe(403);
    expect((await post('/api/v1/events/no-such-event/resolve', { note: 'x' }, tokens.officer)).status).toBe(403);
    expect((await post('/api/v1/devices/air-sungang/rotate', {}, tokens.officer)).status).toBe(403);
    expect((await post('/api/v1/admin/backfill-window', { from: 0 }, tokens.officer)).status).toBe(403);
    // A session cookie reads and does nothing more: no mark is taken with it (no CSRF door).
    const signIn = await post('/api/v1/session', { token: tokens.officer });
    const cookie = /^wx_session=[^;]*/.exec(signIn.headers['set-cookie'] ?? '')![0];
    const withCookie = await rawRequest(url, { target: '/api/v1/review/marks', method: 'POST', headers: { ...json, cookie }, body });
    expect(withCookie.status).toBe(401);
  });

  it('keeps hostile text of a mark as text and refuses marks of nothing', async () => {
    const hostile = '=HYPERLINK("http://attacker.example","x")<script>alert(1)</script>\t@SUM(1)';
    const taken = await post('/api/v1/review/marks', { ...mark(), comment: hostile }, tokens.officer);
    expect(taken.status).toBe(201);
    expect(JSON.parse(taken.body).comment).toBe(hostile);
    for (const body of [
      { ...mark(), device: 'air-nowhere' },
      { ...mark(), device: '../../etc/passwd' },
      { ...mark(), device: "air' OR 1=1 --" },
      { ...mark(), fields: ['pm25_ugm3"; DROP MEASUREMENT air'] },
      { ...mark(), fields: Array.from({ length: 5_000 }, () => 'pm25_ugm3') },
      { ...mark(), comment: 'x'.repeat(501) },
      { ...mark(), from: 'NaN', to: 'Infinity' },
      { ...mark(), from: '2025-03-11T11:00', to: '2025-03-11T10:00' },
      { ...mark(), site: 'aqs-guiyuan' },
      { action: 'revoke', revokes: "m-x' OR '1'='1", comment: 'x' },
    ]) {
      const answer = await post('/api/v1/review/marks', body, tokens.officer);
      expect([400, 404], `${JSON.stringify(body).slice(0, 80)} ${answer.body.slice(0, 120)}`).toContain(answer.status);
      expect(answer.body).toMatch(/WX_ERR_(INVALID_ARGUMENT|NOT_FOUND)/);
    }
    // Nothing of a query reaches InfluxQL unvalidated: ids, dates, extra keys.
    for (const query of [
      `device=${encodeURIComponent(`${air}' OR '1'='1`)}&from=2025-03-11&to=2025-03-12`, `device=${air}%22%3B%20DROP%20DATABASE%20x&from=2025-03-11&to=2025-03-12`,
      `device=${air}&from=2025-03-11%27&to=2025-03-12`, `device=${air}&from=2025-03-11&to=2025-03-12&field=pm25_ugm3%22`, `device=${air}&from=now()-1000d&to=now()`,
      `device=${air}&from=2025-03-11&to=2025-03-11`, `device=${air}&from=2025-03-12&to=2025-03-11`, `device=${air}&from=2025-01-01&to=2025-03-01`,
    ]) {
      for (const route of ['view', 'suggestions']) {
        const answer = await rawRequest(url, { target: `/api/v1/review/${route}?${query}`, headers: bearer(tokens.officer) });
        expect(answer.status, `${route}?${query} ${answer.body.slice(0, 100)}`).toBe(400);
        expect(answer.body).toContain('WX_ERR_INVALID_ARGUMENT');
      }
    }
    const marks = JSON.parse((await rawRequest(url, { target: '/api/v1/review/marks', headers: bearer(tokens.reader) })).body) as { marks: unknown[] };
    expect(marks.marks).toHaveLength(2);
  });
});
