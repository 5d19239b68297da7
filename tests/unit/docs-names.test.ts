import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RouteOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApi, type ApiDeps } from '../../services/api/build-api.ts';
import { banner } from '../../services/cli/start.ts';
import { envBindings } from '../../services/config-env.ts';
import { errorCatalogue } from '../../services/errors.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createTopics } from '../../services/topics.ts';
import { renderConfigurationPage } from '../../scripts/config-doc.ts';

/**
 * The names a reader copies from the docs (a variable to set, a code to look up, a metric to
 * graph, a route to call) exist in the code. docs-commands checks the commands and their flags,
 * configuration-doc the settings, error-catalogue the table of codes; this checks every other
 * mention, in prose as well as in tables and examples.
 */
const root = resolve(import.meta.dirname, '../..');

async function pages(): Promise<Array<{ page: string; text: string }>> {
  const names = ['README.md', ...(await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  return Promise.all(names.map(async (page) => ({ page, text: await readFile(join(root, page), 'utf8') })));
}

/** Every distinct match of `pattern` in the pages, with the first page that says it. */
async function mentions(pattern: RegExp): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const { page, text } of await pages()) for (const [name] of text.matchAll(pattern)) if (!found.has(name)) found.set(name, page);
  return found;
}

async function sourceText(directory: string): Promise<string> {
  const files = (await readdir(join(root, directory), { recursive: true })).filter((name) => name.endsWith('.ts'));
  return (await Promise.all(files.map((name) => readFile(join(root, directory, name), 'utf8')))).join('\n');
}

const missing = (found: Map<string, string>, exists: (name: string) => boolean) => [...found].filter(([name]) => !exists(name)).map(([name, page]) => `${page}: ${name}`);

describe('the names the docs use', () => {
  it('are environment variables the platform reads (services/config-env.ts), in the docs and the error catalogue alike', async () => {
    const variables = new Set(envBindings.map((binding) => binding.env));
    const found = await mentions(/\b(?:WX_(?!ERR_)|INFLUX_)[A-Z0-9_]*[A-Z0-9]\b/g);
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      for (const [name] of entry.summary.matchAll(/\b(?:WX_(?!ERR_)|INFLUX_)[A-Z0-9_]*[A-Z0-9]\b/g)) found.set(name, `services/errors.ts ${code}`);
    }
    expect(found.size).toBeGreaterThan(20);
    expect(missing(found, (name) => variables.has(name))).toEqual([]);
  });

  it('are codes of the error catalogue', async () => {
    const found = await mentions(/\bWX_ERR_[A-Z0-9_]*[A-Z0-9]\b/g);
    expect(found.size).toBeGreaterThan(40);
    expect(missing(found, (code) => code in errorCatalogue)).toEqual([]);
  });

  it('are settings of the configuration schema (`http.clientIdleMs`), or a group of them (`mqtt.tls`)', async () => {
    const settings = [...renderConfigurationPage().matchAll(/^\| `([a-zA-Z0-9.]+)` \| /gm)].map((match) => match[1]!);
    const sections = /\b(?:mqtt|hj212|http|ingest|alarms|events|influx|spool|simulate|disk|cluster|rollups|registry)\.[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)*\b(?!\.[a-z])/g;
    // Fields of answers and of registry entries that share a section's name: /api/v1/devices's hj212 block, /healthz's registry and cluster.
    const fields = new Set(['hj212.colocated', 'hj212.crcVariant', 'hj212.lastPacketAt', 'hj212.version', 'registry.invalid', 'cluster.leaderServices']);
    const found = new Map<string, string>();
    for (const { page, text } of await pages()) {
      for (const [, span] of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)) {
        if (new RegExp(`^${sections.source}$`).test(span!) && !found.has(span!)) found.set(span!, page);
      }
    }
    for (const [code, entry] of Object.entries(errorCatalogue)) for (const [name] of entry.summary.matchAll(sections)) found.set(name, `services/errors.ts ${code}`);
    expect(found.size).toBeGreaterThan(50);
    const file = (name: string) => /\.(?:ts|js|md|json|ya?ml)$/.test(name);
    expect(missing(found, (name) => file(name) || fields.has(name) || settings.some((setting) => setting === name || setting.startsWith(`${name}.`)))).toEqual([]);
  });

  it('are metrics the code declares (a histogram with its _bucket, _sum or _count)', async () => {
    const declared = new Set([...(await sourceText('services')).matchAll(/['"`](wanxiang_[a-z0-9_]+)['"`]/g)].map((match) => match[1]!));
    const found = await mentions(/\bwanxiang_[a-z0-9_]*[a-z0-9]\b/g);
    expect(found.size).toBeGreaterThan(30);
    expect(missing(found, (name) => declared.has(name) || declared.has(name.replace(/_(bucket|sum|count)$/, '')))).toEqual([]);
  });

  it('are routes of the API as it is built', async () => {
    const urls = await routeTable();
    const routes = urls.map((url) => new RegExp(`^${url.replace(/:\w+/g, '[^/]+').replace(/\*$/, '.+')}$`));
    const found = await mentions(/(?<![\w.:/-])\/(?:api\/v1|healthz|metrics|desk|review|report|screen|docs)(?![\w-]*\.md)[\w/:<>{}.*-]*/g);
    expect(found.size).toBeGreaterThan(30);
    expect(missing(found, (mention) => {
      const path = mention.replace(/[.:]+$/, '');
      // `/api/v1/*`, `/api/v1/events*`: a family of routes, each of which begins so.
      if (/[*/]$/.test(path)) return urls.some((url) => url.startsWith(path.replace(/\*$/, '')));
      return routes.some((route) => route.test(path));
    })).toEqual([]);
  });

  it('of the start banner are routes, and it points each reader at a page of theirs', async () => {
    const urls = await routeTable();
    const routes = urls.map((url) => new RegExp(`^${url.replace(/:\w+/g, '[^/]+').replace(/\*$/, '.+')}$`));
    const text = banner({ mqttUrl: 'mqtt://127.0.0.1:1883', wsUrl: null, mqttsUrl: null, wssUrl: null, httpUrl: 'http://127.0.0.1:3000', influxUrl: 'http://127.0.0.1:8086', influxVersion: '1.8.10', database: 'wanxiang', hj212Url: null }, 'off');
    const paths = [...text.matchAll(/(?<=\s|:3000)\/[\w/.-]*/g)].map((match) => match[0]);
    expect(paths.filter((path) => !routes.some((route) => route.test(path)))).toEqual([]);
    // The wall for everyone, the duty desk for operators, the review page and the printable report for officers.
    expect(paths).toEqual(expect.arrayContaining(['/', '/desk', '/review', '/report', '/docs', '/metrics']));
  });
});

/** The API's routes as buildApi registers them, over our own interfaces: no handler runs. */
async function routeTable(): Promise<string[]> {
  const app = buildApi({
    auth: { readAccess: 'open', tokens: [] },
    metrics: createMetrics(),
    registry: { devices: [], device: () => undefined, file: { observers: [] } },
    events: {},
    review: {},
    ingest: { stuck: { stuckAfter: 10 } },
    backfillWindow: { current: null, maxAgeMs: 3_600_000, open: () => null, close: () => undefined },
    // With an external broker's authenticator, so that its routes are in the table too.
    mqttAuth: { topics: createTopics('luohu'), ingestUser: 'wanxiang-ingest', ingestSecret: 'ingest-secret-0123456789', brokerSecret: 'broker-secret-0123456789abcdef0123456789' },
  } as unknown as ApiDeps);
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  await app.ready();
  await app.close();
  return routes.map((route) => route.url);
}
