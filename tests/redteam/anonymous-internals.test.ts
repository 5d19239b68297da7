import { readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Red team, HTTP follow-up: with reads open (the default) anyone read the dead-letter file's
 * absolute path on /api/v1/rejections and the InfluxDB URL, the database, the broker's and the
 * HJ 212 receiver's URLs on /healthz. Every route an anonymous reader may GET is asked here, and
 * no answer may name the data folder, the temporary folder, the database, the host, or any URL.
 */
describe('red team: anonymous readers see no paths, URLs, database or host names', () => {
  let test: TestPlatform;
  let url: string;
  let secrets: string[];

  beforeAll(async () => {
    test = await startTestPlatform({ hj212: { port: 0 }, http: { tokens: (Object.entries(tokens) as Array<['reader' | 'operator' | 'admin', string]>).map(([role, token]) => ({ role, token })) } });
    url = test.endpoints.httpUrl;
    const influxUrl = test.endpoints.influxUrl;
    // What would give the installation's layout away; the host only where its name is not a plain word seen elsewhere.
    secrets = [test.config.dataDir, tmpdir(), influxUrl, new URL(influxUrl).host, test.config.influx.database, ...(hostname().length >= 6 ? [hostname()] : [])];
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, { headers });
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return { status: response.status, text: await response.text() };
    // The event stream never ends: its first events are what it says.
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return { status: response.status, text: new TextDecoder().decode(value) };
  };
  const expectNoInternals = (path: string, text: string, urlsToo: boolean) => {
    for (const secret of secrets) expect(text.includes(secret), `${path} names ${secret}`).toBe(false);
    // The pages and the OpenAPI document may link or describe URL forms; answers with data name none.
    // (ECharts' `path://` symbols, drawn by the screen, are shapes, not places.)
    if (urlsToo) expect(/\b(?!path:)[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? null, `${path} names a URL`).toBeNull();
  };

  it('answers every anonymous GET of the API document without the installation\'s paths, URLs, database or host', async () => {
    const document = JSON.parse((await get('/docs/json')).text) as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.entries(document.paths).filter(([, methods]) => 'get' in methods).map(([path]) => path.replace(/\{id\}/g, 'air-dongmen').replace(/\{table\}/g, 'plan').replace(/\{file\}/g, 'screen.js').replace(/\{[^}]+\}/g, 'x'));
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/metrics', '/api/v1/rejections', '/api/v1/devices']));
    for (const path of [...paths, '/docs/json']) {
      const answer = await get(path);
      const data = path.startsWith('/api/') || path === '/healthz' || path === '/metrics';
      expectNoInternals(path, answer.text, data);
    }
  });

  it('keeps the verdicts on /healthz for anyone, and the endpoints for an operator or admin only', async () => {
    const anonymous = JSON.parse((await get('/healthz')).text) as Record<string, unknown>;
    expect(anonymous).toMatchObject({ status: 'ok', spool: { state: 'ok' }, influx: { reachable: true }, devicesOnline: expect.any(Number), queuedReadings: expect.any(Number), started: true });
    for (const key of ['mqttUrl', 'wsUrl', 'influxUrl', 'database', 'hj212Url']) expect(anonymous, key).not.toHaveProperty(key);
    const reader = JSON.parse((await get('/healthz', bearer(tokens.reader))).text) as Record<string, unknown>;
    expect(reader).not.toHaveProperty('database');
    for (const token of [tokens.operator, tokens.admin]) {
      const full = JSON.parse((await get('/healthz', bearer(token))).text) as Record<string, unknown>;
      expect(full).toMatchObject({ status: 'ok', database: test.config.influx.database, influxUrl: test.endpoints.influxUrl, mqttUrl: test.endpoints.mqttUrl, hj212Url: test.endpoints.hj212Url });
    }
  });

  it('names the dead-letter file to an operator or admin only', async () => {
    const anonymous = JSON.parse((await get('/api/v1/rejections')).text) as Record<string, unknown>;
    expect(anonymous).toEqual({ byDevice: expect.any(Object) });
    expect(JSON.parse((await get('/api/v1/rejections', bearer(tokens.reader))).text)).not.toHaveProperty('deadLetterFile');
    const operator = JSON.parse((await get('/api/v1/rejections', bearer(tokens.operator))).text) as { deadLetterFile: string };
    expect(operator.deadLetterFile.startsWith(test.config.dataDir)).toBe(true);
  });

  it('gives the reason of a refused registry file to anyone, without the file\'s path', async () => {
    const path = test.config.registryFile!;
    const valid = await readFile(path, 'utf8');
    try {
      await writeFile(path, `${valid.slice(0, 200)}\n`);
      await expect.poll(async () => (await get('/healthz')).status, { timeout: 10_000 }).toBe(503);
      const anonymous = await get('/healthz');
      const body = JSON.parse(anonymous.text) as { problems: Array<{ code: string; message: string }>; registry: { invalid: string } };
      expect(body.problems[0]).toMatchObject({ code: 'WX_ERR_REGISTRY_INVALID', message: expect.stringContaining('the previous registry stays in force') });
      expect(body.registry.invalid).toMatch(/^WX_ERR_REGISTRY_INVALID: the registry devices\.json is not valid JSON at line \d+, column \d+/);
      expectNoInternals('/healthz', anonymous.text, true);
      // An operator is told where the file is.
      expect((await get('/healthz', bearer(tokens.operator))).text).toContain(path);
    } finally {
      await writeFile(path, valid);
      await expect.poll(async () => (await get('/healthz')).status, { timeout: 10_000 }).toBe(200);
    }
  });
});
