import { request as httpRequest } from 'node:http';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiTags } from '../../services/api/openapi-tags.ts';
import { familyIds } from '../../services/families/index.ts';
import { bucketMs } from '../../services/live/series-query.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** Status and headers of a GET with the given Accept-Encoding, body left unread (node:http does not decompress). */
function head(url: string, encoding: string): Promise<{ status: number; encoding: string | undefined; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { 'accept-encoding': encoding } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      response.on('end', () => resolve({ status: response.statusCode!, encoding: response.headers['content-encoding'], bytes }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Issue 21 on the API side: answers compressed, series that keep each bucket's extremes and limit lines, a heartbeat the page can hear. */
describe('the wall’s API (issue 21)', () => {
  let test: TestPlatform;
  let station: MqttClient;

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    station = await test.connect(test.device('air-dongmen'));
  });
  afterAll(async () => {
    await test?.close();
  });

  it('compresses /api/v1/live, the screen’s files and echarts.min.js (br and gzip)', async () => {
    const base = test.endpoints.httpUrl;
    for (const path of ['/api/v1/live', '/vendor/echarts.min.js', '/screen/main.js', '/screen/screen.css']) {
      const plain = await head(`${base}${path}`, 'identity');
      const br = await head(`${base}${path}`, 'br');
      const gzip = await head(`${base}${path}`, 'gzip');
      expect(plain.status, path).toBe(200);
      expect(br.encoding, path).toBe('br');
      expect(gzip.encoding, path).toBe('gzip');
      expect(br.bytes, path).toBeLessThan(plain.bytes * 0.6);
    }
  });

  it('keeps each bucket’s min and max: one reading of 250 among four low ones shows as its bucket’s max', async () => {
    const now = Date.now();
    // Buckets are aligned to the epoch: the five readings start at a bucket's beginning so that they
    // share it (spread over 20 s from a random time, they straddled a boundary about 1 run in 15).
    const width = bucketMs(now - 3_600_000, now + 1_000, 12);
    const bucketStart = Math.floor((now - 50_000) / width) * width;
    const readings = [10, 12, 250, 11, 9].map((pm25, i) => ({ ts: bucketStart + 1_000 + i * 5_000, pm25 }));
    await station.publishAsync(test.topics.build('air', 'air-dongmen', 'telemetry'), JSON.stringify(readings), { qos: 1 });
    const query = `/api/v1/series?device=air-dongmen&field=pm25&from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 1_000).toISOString()}&points=12`;
    let body: { points: Array<{ value: number; min: number; max: number }>; lines: Array<{ value: number; kind: string; labelZh: string; labelEn: string }> } | undefined;
    for (let i = 0; i < 100; i += 1) {
      body = (await (await fetch(`${test.endpoints.httpUrl}${query}`)).json()) as typeof body;
      if (body!.points.some((p) => p.max === 250)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const bucket = body!.points.find((p) => p.max === 250)!;
    expect(bucket).toBeDefined();
    expect(bucket.min).toBe(9);
    expect(bucket.value).toBeLessThan(100);
    // GB 3095 Grade II 24-h PM2.5 limit, named in both languages.
    expect(body!.lines).toEqual([expect.objectContaining({ value: 75, kind: 'limit' })]);
    const grid = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/series?device=grid-caiwuwei-t1&field=load_rate_pct`)).json()) as { lines: Array<{ value: number }> };
    expect(grid.lines.map((l) => l.value)).toEqual([test.config.rollups.heavyLoadPct, test.config.rollups.overloadPct]);
    const noise = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/series?device=noise-buxin-road-1&field=leq`)).json()) as { lines: Array<{ labelEn: string }> };
    expect(noise.lines.map((l) => l.labelEn).join(' ')).toMatch(/day limit \d+.*night limit \d+/);
  });

  it('names every value key of every family in Chinese and English, from the family modules', async () => {
    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live`)).json()) as { families: Array<{ family: string; units: Record<string, string>; fieldLabels: Record<string, { zh: string; en: string }> }> };
    expect(live.families.map((f) => f.family).sort()).toEqual([...familyIds].sort());
    const unnamed: string[] = [];
    for (const group of live.families) {
      for (const key of Object.keys(group.units)) {
        const label = group.fieldLabels[key];
        // A label is a name, never the raw key again (the audit saw temperature, turbidity, la on the Chinese wall).
        if (!label?.zh || !label.en || label.zh === key || label.en === key) unnamed.push(`${group.family}.${key}: ${JSON.stringify(label)}`);
      }
    }
    expect(unnamed).toEqual([]);
    const air = live.families.find((f) => f.family === 'air')!;
    expect(air.fieldLabels.temperature).toEqual({ zh: '气温', en: 'Temperature' });
  });

  it('documents every route under an area’s tag, the series’ min and max, and every field of /live', async () => {
    type Schema = { description?: string; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; additionalProperties?: Schema | boolean };
    type Operation = { tags?: string[]; description?: string; responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
    const doc = (await (await fetch(`${test.endpoints.httpUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const untagged = Object.entries(doc.paths).flatMap(([path, operations]) => Object.entries(operations)
      .filter(([, operation]) => operation.tags?.length !== 1 || !openApiTags.some((tag) => tag.name === operation.tags![0]))
      .map(([method]) => `${method} ${path}`));
    expect(untagged).toEqual([]);
    for (const method of ['get', 'post', 'delete']) expect(doc.paths['/api/v1/admin/backfill-window']![method]!.tags).toEqual(['administration']);
    // The series keeps each bucket's extremes (issue 21), and its description says so.
    const series = doc.paths['/api/v1/series']!.get!.description!;
    expect(series).toMatch(/`min`/);
    expect(series).toMatch(/`max`/);
    expect(series).not.toMatch(/averaged away/);
    // Every field of /live's answer, however deep, says what it is.
    const undescribed: string[] = [];
    let fields = 0;
    const walk = (schema: Schema | undefined, path: string) => {
      if (!schema) return;
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        fields += 1;
        if (!property.description) undescribed.push(`${path}.${name}`);
        walk(property, `${path}.${name}`);
      }
      walk(schema.items, `${path}[]`);
      for (const option of schema.anyOf ?? []) walk(option, path);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}.*`);
    };
    const live = doc.paths['/api/v1/live']!.get!.responses['200']!.content!['application/json']!.schema;
    walk(live, 'live');
    expect(fields).toBeGreaterThan(50);
    expect(undescribed).toEqual([]);
  });

  it('sends heartbeats as events the page can hear, beside the comment proxies need', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      let raw = '';
      const request = httpRequest(`${test.endpoints.httpUrl}/api/v1/stream`, (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          raw += chunk;
          if (raw.includes('event: heartbeat')) {
            request.destroy();
            resolve(raw);
          }
        });
        test.platform.live.hub.heartbeat();
      });
      request.on('error', (error) => { if (!raw.includes('event: heartbeat')) reject(error); });
      request.end();
    });
    expect(text).toMatch(/: heartbeat \d+\nevent: heartbeat\ndata: \d+\n\n/);
  });
});

/** The screen's operator-token check (issue 21: the dialog kept any token unchecked): a question that changes nothing. */
describe('GET /api/v1/alarms/access', () => {
  const tokens = { reader: 'reader-token-wall-0123456789', operator: 'operator-token-wall-0123456789' };
  let test: TestPlatform;
  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false }, http: { tokens: [{ role: 'reader', token: tokens.reader }, { role: 'operator', token: tokens.operator }] } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers 204 to an operator, 403 to a reader, 401 to a wrong token or none, and declares its security', async () => {
    const ask = (token?: string) => fetch(`${test.endpoints.httpUrl}/api/v1/alarms/access`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await ask(tokens.operator)).status).toBe(204);
    expect((await ask(tokens.reader)).status).toBe(403);
    const wrong = await ask('not-a-token-of-this-platform');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('WX_ERR_UNAUTHORIZED');
    expect((await ask()).status).toBe(401);
    const doc = (await (await fetch(`${test.endpoints.httpUrl}/docs/json`)).json()) as { paths: Record<string, { get: { security?: unknown[]; tags?: string[] } }> };
    expect(doc.paths['/api/v1/alarms/access']!.get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/alarms/access']!.get.tags).toEqual(['alarms']);
  });
});
