/**
 * npm run bench:screen: what one open screen costs, against the platform as `npm start` runs it
 * (simulated district): the bytes the page receives in a minute (the stream, /live refetches,
 * sparklines; from Chrome's Network domain, on the wire, compressed), the tab's CPU (CDP
 * Performance metrics TaskDuration, seconds of main-thread work per second, and its script, layout
 * and style shares) and how often the page makes the renderer lay out and restyle (LayoutCount,
 * RecalcStyleCount per 30 s: issue 21 item 5 counted 175 layouts a minute). Then the same minute
 * with the tab hidden, when the stream must stop (issue 21: ~431 KB a minute, also when hidden).
 * The bytes are split by what fetched them: the event stream (its delta format, gzip), /live, the rest.
 * BENCH_SECONDS (default 60). Debian's Chromium through playwright-core, never a downloaded one.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { defaultFleetKey } from '../services/config.ts';
import { startLocalInfluxd } from '../services/storage/influxd-launcher.ts';
import { platformNodeFlags } from './lib/children.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-bench-screen-'));
const influxd = await startLocalInfluxd({ dataDir: join(dataDir, 'influxdb') });
const child = spawn(process.execPath, [...platformNodeFlags, 'bin/wanxiang.js', 'start', '--data-dir', join(dataDir, 'platform'), '--influx-url', influxd.url, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], {
  env: { ...process.env, INFLUX_DB: 'bench_screen', WX_LOG_LEVEL: 'warn', WX_FLEET_KEY: defaultFleetKey }, stdio: ['ignore', 'pipe', 'inherit'],
});
const platformExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
let banner = '';
const httpUrl = await new Promise<string>((resolve) => child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
  banner += chunk;
  const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(banner);
  if (match && /running/i.test(banner)) resolve(match[1]!);
}));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Network.enable');
await cdp.send('Performance.enable');
let bytes = 0;
// Bytes by what fetched them (the stream, /live, the rest), so the stream's share stays visible.
const kindOf = new Map<string, string>();
const byKind = new Map<string, number>();
const kind = (url: string) => (url.includes('/api/v1/stream') ? 'stream' : url.includes('/api/v1/live') ? '/live' : 'other');
cdp.on('Network.requestWillBeSent', (event: { requestId: string; request: { url: string } }) => { kindOf.set(event.requestId, kind(event.request.url)); });
cdp.on('Network.dataReceived', (event: { requestId: string; encodedDataLength: number }) => {
  bytes += event.encodedDataLength;
  const which = kindOf.get(event.requestId) ?? 'other';
  byKind.set(which, (byKind.get(which) ?? 0) + event.encodedDataLength);
});
// CDP Performance metrics (cumulative since Performance.enable): main-thread work and what the page makes the renderer do.
const counted = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'TaskOtherDuration', 'ProcessTime', 'LayoutCount', 'RecalcStyleCount'] as const;
type Metrics = Record<(typeof counted)[number], number>;
const metrics = async (): Promise<Metrics> => {
  const all = new Map((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  return Object.fromEntries(counted.map((name) => [name, all.get(name) ?? 0])) as Metrics;
};

await page.goto(`${httpUrl}/`);
await page.waitForSelector('#link.up', { timeout: 60_000 });
await new Promise((resolve) => setTimeout(resolve, 5_000));

async function measure(label: string): Promise<void> {
  bytes = 0;
  byKind.clear();
  const before = await metrics();
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const elapsed = (Date.now() - started) / 1_000;
  const after = await metrics();
  const delta = (name: (typeof counted)[number]) => after[name] - before[name];
  const perMinute = (n: number) => (n / 1024 / (elapsed / 60)).toFixed(1);
  const share = (name: (typeof counted)[number]) => `${((delta(name) / elapsed) * 100).toFixed(1)} %`;
  const per30s = (name: (typeof counted)[number]) => Math.round((delta(name) / elapsed) * 30);
  const parts = ['stream', '/live', 'other'].map((which) => `${which} ${perMinute(byKind.get(which) ?? 0)}`).join(', ');
  console.log(`${label}: ${perMinute(bytes)} KB a minute on the wire (${parts}), tab CPU ${share('TaskDuration')} of a core ` +
    `(script ${share('ScriptDuration')}, layout ${share('LayoutDuration')}, style ${share('RecalcStyleDuration')}, other ${share('TaskOtherDuration')}), ` +
    `the renderer process ${share('ProcessTime')} with its compositor and raster threads; ` +
    `${per30s('LayoutCount')} layouts and ${per30s('RecalcStyleCount')} style recalculations per 30 s`);
}

await measure('screen shown');
// Hidden as a minimised window or another tab hides it (the Page Visibility API's own event).
await page.evaluate("Object.defineProperty(document, 'hidden', { value: true, configurable: true }); document.dispatchEvent(new Event('visibilitychange'))");
await measure('screen hidden');

await browser.close();
child.kill('SIGTERM');
await platformExited;
await influxd.stop();
await rm(dataDir, { recursive: true, force: true });
