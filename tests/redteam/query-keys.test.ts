import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { admin: 'admin-token-0123456789abcdef', officer: 'officer-token-0123456789abcdef' };
const checked = (path: string) => path.startsWith('/api/') || path === '/healthz' || path === '/metrics';
const sample = (path: string) => path.replace('{table}', 'plan').replace(/\{\w+\}/g, 'x');

/**
 * Unknown query keys (the privacy pass, item 3): `?form=` for `?from=` is refused with
 * WX_ERR_INVALID_ARGUMENT naming the key on every GET route of the API, whether it declares a query
 * or takes none; the keys the screen, the desk, the review page and the CLI send are still taken.
 */
describe('red team: unknown query keys', () => {
  let test: TestPlatform;
  let url: string;
  let air: string;
  const get = (path: string, token = tokens.admin) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    test = await startTestPlatform({ http: { tokens: [{ role: 'admin', token: tokens.admin }, { role: 'officer', token: tokens.officer }] } });
    url = test.endpoints.httpUrl;
    air = test.platform.registry.devices.find((device) => device.family === 'air')!.id;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses an unknown key on every GET route of the API, naming it', async () => {
    const document = await (await fetch(`${url}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths).filter(([path, operations]) => checked(path) && operations.get).map(([path]) => path);
    expect(routes.length).toBeGreaterThan(25);
    const problems: string[] = [];
    for (const path of routes) {
      // The stream and suggestions need the officer's or a reader's right too: the admin token passes every access.
      const answer = await get(`${sample(path)}${path.includes('?') ? '&' : '?'}form=2025-03-01`, path.includes('/review/') ? tokens.officer : tokens.admin);
      const text = await answer.text();
      if (answer.status !== 400 || !text.includes('WX_ERR_INVALID_ARGUMENT') || !text.includes('form')) problems.push(`${path}: ${answer.status} ${text.slice(0, 160)}`);
    }
    expect(problems).toEqual([]);
    // Decided from the matched route, not the path's text: spelled otherwise, the same route refuses the same key.
    for (const path of ['/%61pi/v1/quality?form=1', '/api/v1/%71uality?form=1', '/%68ealthz?form=1']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(await answer.text(), path).toContain('form');
    }
  });

  it('refuses an unknown key on every action too, before the action is taken (HTTP pass 3)', async () => {
    // An action took no query and ignored one: `POST /api/v1/events/:id/dispatch?department=water`
    // dispatched to the route's department, answered 200 as if the key had been read.
    const document = await (await fetch(`${url}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> };
    const actions = Object.entries(document.paths).filter(([path]) => checked(path))
      .flatMap(([path, operations]) => Object.keys(operations).filter((method) => method === 'post' || method === 'delete').map((method) => [method.toUpperCase(), path] as const));
    expect(actions.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const [method, path] of actions) {
      const token = path.includes('/review/') ? tokens.officer : tokens.admin;
      const answer = await fetch(`${url}${sample(path)}?department=water`, { method, headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) });
      const text = await answer.text();
      if (answer.status !== 400 || !text.includes('WX_ERR_INVALID_ARGUMENT') || !text.includes('department')) problems.push(`${method} ${path}: ${answer.status} ${text.slice(0, 160)}`);
    }
    expect(problems).toEqual([]);
  });

  it('still takes the keys the screen, the desk, the review page and the CLI send', async () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const calls: Array<[string, string?]> = [
      ['/healthz'], ['/metrics'], ['/api/v1/rejections'], ['/api/v1/quality'], ['/api/v1/session'], ['/api/v1/review/history'], ['/api/v1/people/me'],
      [`/api/v1/alarms?state=closed&from=${Date.now() - 7 * 86_400_000}`], ['/api/v1/alarms?state=open'],
      ['/api/v1/compliance?period=2025'], [`/api/v1/aqi?station=district&from=${today}&to=${today}`],
      ['/api/v1/reports?period=2025&lang=en&format=json'], ['/api/v1/devices?family=air'], ['/api/v1/accounting?hours=24'],
      ['/api/v1/events/handover?hours=12'], ['/api/v1/events/figures?weeks=4'], ['/api/v1/events?state=open'], ['/api/v1/live?family=air'],
      [`/api/v1/series?device=${air}&field=pm25`], [`/api/v1/review/marks?device=${air}`],
      [`/api/v1/review/view?device=${air}&from=2025-03-11&to=2025-03-12`, tokens.officer],
      [`/api/v1/review/suggestions?device=${air}&from=2025-03-11&to=2025-03-12`, tokens.officer],
      ['/report?period=2025&lang=en'],
      // The pages and their files: their scripts read the page's own query; a cache-buster asks for nothing.
      ['/?lang=en'], ['/review?device=x'], ['/desk?x=1'], ['/screen/main.js?v=1'], ['/docs/json?x=1'],
    ];
    const problems: string[] = [];
    for (const [path, token] of calls) {
      const answer = await get(path, token);
      if (answer.status !== 200) problems.push(`${path}: ${answer.status} ${(await answer.text()).slice(0, 160)}`);
      else await answer.arrayBuffer();
    }
    expect(problems).toEqual([]);
  });
});
