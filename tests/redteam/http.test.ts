import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailuresPerMinute } from '../../services/api/auth.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { pathVariants, rawRequest, type RawAnswer } from './raw-http.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

// What stays public in read access `token` (docs/security.md); every other route of the document is a read or more.
const publicPaths = new Set(['/', '/desk', '/review', '/screen/{file}', '/vendor/echarts.min.js', '/api/v1/session', '/healthz']);
const sample = (path: string) => path.replace('{id}', 'air-sungang').replace('{file}', 'app.js');

/** A 400 no route answered: Node's parser's (WX_ERR_BAD_REQUEST) or the router's (WX_ERR_BAD_TARGET, a target it cannot read). */
const routerRefusal = (answer: RawAnswer) => answer.status === 400 && /WX_ERR_BAD_(TARGET|REQUEST)/.test(answer.body);

/** A refusal: 401, or 404 for a spelling no route has, or a 400 no route answered. */
function refused(answer: RawAnswer): boolean {
  if (answer.status === 401 || answer.status === 404) return !/"devices"|"district"|"alarms"|wanxiang_/.test(answer.body);
  return routerRefusal(answer);
}

/**
 * The HTTP red-team pass of issue 18 against a real platform in read access `token`, with raw
 * sockets so that every spelling of a path reaches the server as written.
 */
describe('red team: the HTTP doors in read access `token`', () => {
  let test: TestPlatform;
  const logLines: string[] = [];
  let url: string;
  const raw = (target: string, init: Omit<Parameters<typeof rawRequest>[1], 'target'> = {}) => rawRequest(url, { ...init, target });

  let dir: string;

  beforeAll(async () => {
    // A copy of the registry: the rotation below must not rewrite the repository's seeds/devices.json.
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-http-'));
    await copyFile('seeds/devices.json', join(dir, 'devices.json'));
    test = await startTestPlatform({
      registryFile: join(dir, 'devices.json'),
      http: { readAccess: 'token', tokens: (Object.entries(tokens) as Array<['reader' | 'operator' | 'admin', string]>).map(([role, token]) => ({ role, token })) },
    }, { logLines });
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing without a credential, however a protected path is spelled (item 1)', async () => {
    const document = JSON.parse((await raw('/docs/json', { headers: bearer(tokens.reader) })).body) as { paths: Record<string, Record<string, unknown>> };
    const reads = Object.entries(document.paths).filter(([path]) => !publicPaths.has(path));
    // Every read route, the event stream, evaluate: all of them in the document, all of them tried.
    const paths = reads.map(([path]) => sample(path));
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/live', '/api/v1/stream', '/api/v1/series', '/api/v1/alarms', '/api/v1/devices', '/api/v1/evaluate', '/metrics', '/api/v1/compliance', '/api/v1/aqi', '/api/v1/accounting']));
    const leaks: string[] = [];
    for (const [path, methods] of reads) {
      for (const method of Object.keys(methods).map((name) => name.toUpperCase())) {
        for (const target of [...pathVariants(sample(path)), ...pathVariants('/docs/json')]) {
          const answer = await raw(target, { method, keepOpen: true, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
          answer.close();
          if (!refused(answer)) leaks.push(`${method} ${target} -> ${answer.status} ${answer.body.slice(0, 80)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('decodes the spellings the router decodes, and applies the route’s own rule to them (item 1)', async () => {
    // The router takes %61 for `a`: the request reaches /api/v1/live, and /api/v1/live needs a token.
    expect((await raw('/%61pi/v1/live', { headers: bearer(tokens.reader) })).status).toBe(200);
    expect((await raw('/%61pi/v1/live')).status).toBe(401);
    expect((await raw('http://127.0.0.1/%61pi/v1/live')).status).toBe(401);
    expect((await raw('/api/v1/liv%65', { method: 'HEAD' })).status).toBe(401);
    const ack = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"note":"x"}' };
    for (const target of pathVariants('/api/v1/alarms/no-such-alarm/ack')) {
      const none = await raw(target, ack);
      expect(refused(none), `${target} ${none.status}`).toBe(true);
      const reader = await raw(target, { ...ack, headers: { ...ack.headers, ...bearer(tokens.reader) } });
      expect([403, 404, 400], `${target} ${reader.status}`).toContain(reader.status);
      if (reader.status === 400) expect(routerRefusal(reader), reader.body).toBe(true);
    }
    for (const target of pathVariants('/api/v1/devices/air-sungang/rotate')) {
      const operator = await raw(target, { method: 'POST', headers: bearer(tokens.operator) });
      expect([403, 404, 400], `${target} ${operator.status}`).toContain(operator.status);
      if (operator.status === 400) expect(routerRefusal(operator), operator.body).toBe(true);
    }
  });

  it('answers a target the router cannot read (bad percent-encoding, a parameter over 100 characters) with a catalogue code, never echoing it', async () => {
    for (const target of [`/api/v1/events/${'<script>'.repeat(13)}`, '/api/v1/events/%E0%A4%A<script>', '/api/v1/alarms/%ff%zz<b>/ack', `/api/v1/devices/${'x'.repeat(101)}<b>/rotate`, '/screen/%zz<i>.js', '/api/v1/reports/%E0%A4%A<i>']) {
      for (const headers of [{}, bearer(tokens.admin)]) {
        const answer = await raw(target, { method: target.endsWith('rotate') || target.endsWith('ack') ? 'POST' : 'GET', headers });
        expect(answer.status, `${target} ${answer.body}`).toBe(400);
        expect(answer.body).toContain('WX_ERR_BAD_TARGET');
        expect(answer.body).not.toMatch(/<script>|<b>|<i>|FST_ERR|xxxx/);
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['cache-control']).toBe('no-store');
      }
    }
  });

  it('answers an unmatched route 404 without naming or echoing it', async () => {
    const answer = await raw('/api/v1/<script>alert(1)</script>');
    expect(answer.status).toBe(404);
    expect(answer.body).toContain('WX_ERR_NOT_FOUND');
    expect(answer.body).not.toContain('script');
  });

  it('has no EMQX auth endpoint without an external broker, whatever the spelling (item 2)', async () => {
    for (const path of ['/api/v1/auth/mqtt', '/api/v1/auth/mqtt/acl']) {
      for (const target of pathVariants(path)) {
        const answer = await raw(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"air-guiyuan","password":"x"}' });
        expect([404, 400], `${target} ${answer.status}`).toContain(answer.status);
        expect(answer.body).not.toContain('allow');
      }
    }
    expect(await test.metric('wanxiang_auth_failures_total')).toBe(0);
  });

  it('keeps the right token working from an address that sent many wrong ones; the wrong ones are told they are throttled (item 6)', async () => {
    const from = '127.0.0.5';
    for (let n = 0; n < apiFailuresPerMinute; n += 1) expect((await raw('/api/v1/live', { from, headers: bearer(`wrong-token-${n}-000000000000`) })).status).toBe(401);
    const wrong = await raw('/api/v1/live', { from, headers: bearer('wrong-token-again-000000000') });
    expect(wrong.status).toBe(429);
    expect(wrong.body).toContain('WX_ERR_LOGIN_THROTTLED');
    const signIn = await raw('/api/v1/session', { from, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'wrong-sign-in-0000000000' }) });
    expect(signIn.status).toBe(429);
    expect(signIn.body).toContain('WX_ERR_LOGIN_THROTTLED');
    expect((await raw('/api/v1/live', { from, headers: bearer(tokens.reader) })).status).toBe(200);
    expect((await raw('/api/v1/replay', { from, method: 'POST', headers: { ...bearer(tokens.admin), 'content-type': 'application/json' }, body: '{"recording":"no-such-recording"}' })).status).not.toBe(429);
    const session = await raw('/api/v1/session', { from, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.operator }) });
    expect(session.status).toBe(204);
    // Another address is untouched by this one's failures.
    expect((await raw('/api/v1/live', { from: '127.0.0.6', headers: bearer('wrong-token-elsewhere-00000') })).status).toBe(401);
  });

  it('shows only the status on /healthz without a credential, and keeps /metrics and /docs for readers (item 15)', async () => {
    const open = await raw('/healthz');
    expect(open.status).toBe(200);
    expect(JSON.parse(open.body)).toEqual({ status: 'ok', influx: { reachable: true } });
    for (const path of ['/metrics', '/docs', '/docs/json']) expect((await raw(path)).status, path).toBe(401);
    // A reader gets the verdicts; the endpoints and database are an operator's or admin's (internals-view.ts).
    const read = JSON.parse((await raw('/healthz', { headers: bearer(tokens.reader) })).body) as Record<string, unknown>;
    expect(read).toMatchObject({ status: 'ok', spool: { state: 'ok' }, influx: { reachable: true } });
    expect(read).not.toHaveProperty('mqttUrl');
    expect(read).not.toHaveProperty('database');
    const full = JSON.parse((await raw('/healthz', { headers: bearer(tokens.admin) })).body) as Record<string, unknown>;
    expect(full).toMatchObject({ status: 'ok', mqttUrl: expect.stringMatching(/^mqtt:\/\//), influxUrl: expect.any(String) });
    expect((await raw('/metrics', { headers: bearer(tokens.reader) })).body).toContain('wanxiang_');
  });

  it('sends Cache-Control: no-store with a rotated secret and with authenticated reads (item 19)', async () => {
    const rotated = await raw('/api/v1/devices/air-sungang/rotate', { method: 'POST', headers: bearer(tokens.admin) });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toContain('secret');
    expect(rotated.headers['cache-control']).toBe('no-store');
    for (const path of ['/api/v1/live', '/api/v1/devices', '/api/v1/alarms', '/healthz', '/api/v1/session']) {
      expect((await raw(path, { headers: bearer(tokens.reader) })).headers['cache-control'], path).toBe('no-store');
    }
  });

  it('refuses a Host that is not this platform’s name even with a token (item 16)', async () => {
    for (const host of ['attacker.example', 'attacker.example:80', 'localhost.attacker.example', '127.0.0.1.nip.io', 'ATTACKER.example.']) {
      const answer = await raw('/api/v1/live', { headers: { ...bearer(tokens.reader), host } });
      expect(answer.status, host).toBe(421);
      expect(answer.body).toContain('WX_ERR_HOST_NOT_ALLOWED');
    }
    for (const host of ['localhost', 'LOCALHOST:3000', '127.0.0.1', '[::1]:8080', '10.1.2.3']) expect((await raw('/api/v1/live', { headers: { ...bearer(tokens.reader), host } })).status, host).toBe(200);
  });

  it('takes only its own ids as Last-Event-ID and sends a reset event as valid JSON (item 20)', async () => {
    const hostile = await raw('/api/v1/stream', { headers: { ...bearer(tokens.reader), 'last-event-id': '"},"injected":{"x' }, keepOpen: true });
    hostile.close();
    expect(hostile.status).toBe(400);
    expect(hostile.body).toContain('WX_ERR_INVALID_ARGUMENT');
    const abort = new AbortController();
    const stream = await fetch(`${url}/api/v1/stream`, { headers: { ...bearer(tokens.reader), 'last-event-id': 'deadbeef-12' }, signal: abort.signal });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = '';
    while (!/event: reset\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const data = /event: reset\ndata: (.*)\n/.exec(text)![1]!;
    expect(JSON.parse(data)).toMatchObject({ reason: expect.stringContaining('deadbeef-12') });
  });

  it('answers 413 and 415 with their own codes (item 20)', async () => {
    const headers = { ...bearer(tokens.operator), 'content-type': 'text/xml' };
    const unsupported = await raw('/api/v1/replay', { method: 'POST', headers, body: '<replay/>' });
    expect(unsupported.status).toBe(415);
    expect(unsupported.body).toContain('WX_ERR_UNSUPPORTED_MEDIA_TYPE');
    const large = await raw('/api/v1/replay', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ recording: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(large.status).toBe(413);
    expect(large.body).toContain('WX_ERR_PAYLOAD_TOO_LARGE');
    const ack = await raw('/api/v1/alarms/x/ack', { method: 'POST', headers, body: '<ack/>' });
    expect(ack.status).toBe(415);
    expect(ack.body).toContain('WX_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers deeply nested JSON to evaluate with row errors, never a 500 (item 13)', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    for (const [type, body] of [
      ['application/x-ndjson', `{"kind":"water","date":${deep(200_000)}}\n`],
      ['application/x-ndjson', `{"kind":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}\n`],
      ['application/json', `[{"kind":"air-day","date":"2025-01-01","pm25":${deep(1_000_000)}}]`],
    ] as const) {
      const answer = await raw('/api/v1/evaluate', { method: 'POST', headers: { ...bearer(tokens.reader), 'content-type': type }, body });
      expect([200, 400, 413], answer.body.slice(0, 200)).toContain(answer.status);
      expect(answer.body).toContain('WX_ERR_');
    }
  });

  it('never answers with InfluxDB’s own words: they go to the log (item 20; run last, it drops the database)', async () => {
    await test.platform.influx.query(`DROP DATABASE "${test.config.influx.database}"`, { database: null });
    const answer = await raw('/api/v1/series?device=air-guiyuan&field=pm25', { headers: bearer(tokens.reader) });
    expect([502, 503]).toContain(answer.status);
    expect(answer.body).toMatch(/WX_ERR_INFLUX_(REJECTED|UNAVAILABLE|DATABASE_MISSING)/);
    expect(answer.body).not.toMatch(/database not found|SELECT|FROM|test_/i);
    expect(logLines.join('\n')).toMatch(/database not found/);
  });
});
