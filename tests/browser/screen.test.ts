import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { pageRecordingErrors } from '../helpers/error-recording-page.ts';
import { spawnPlatform, type SpawnedPlatform } from '../helpers/spawned-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { connectSeedDevice } from '../helpers/seed-device.ts';

const artifacts = 'tests/artifacts';

/**
 * Polls an expression in the page until it is truthy. Playwright's waitForFunction compiles its
 * predicate with eval, which the screen's CSP (script-src 'self') rightly refuses; evaluate() is not.
 */
async function waitFor(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;

/**
 * The screen in Debian's Chromium against the platform as `npm start` starts it (simulated
 * district running): no console errors at wall and phone sizes, a published reading on the
 * screen within 2 s, the language toggle, the wall without scrolling; screenshots saved.
 */
describe('the operations-centre screen in a real browser', () => {
  let platform: SpawnedPlatform;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;
  const problems: string[] = [];

  const openPage = async (width: number, height: number): Promise<Page> => {
    const page = await pageRecordingErrors(context, width, height, problems, true);
    await page.goto(`${platform.httpUrl}/`);
    // Loaded: the tiles and the 10 stations are drawn from /api/v1/live, and the stream is up.
    await waitFor(page, "document.querySelectorAll('#tiles .tile').length === 7 && document.querySelectorAll('#air .row').length > 0");
    await page.waitForSelector('#link.up');
    return page;
  };

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    platform = await spawnPlatform(inject('influxUrl'));
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    if (platform) expect(await platform.stop()).toBe(0);
  });

  it('loads at 1920×1080 without console errors and without scrolling, and saves the wall', async () => {
    const page = await openPage(1920, 1080);
    const size = (await page.evaluate('({ scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth, innerHeight, innerWidth })')) as { scrollHeight: number; scrollWidth: number; innerHeight: number; innerWidth: number };
    expect(size.scrollHeight).toBeLessThanOrEqual(size.innerHeight);
    expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
    await page.screenshot({ path: join(artifacts, 'screen-wall.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('loads at 390×844 without console errors, fits 390 px wide, and saves the phone layout', async () => {
    const page = await openPage(390, 844);
    const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, 'screen-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a reading published over MQTT within 2 s', async () => {
    const page = await openPage(1920, 1080);
    const id = 'air-liantang';
    const client = await connectSeedDevice(platform.mqttUrl, id, 'screen-test');
    const distinctive = 432.1;
    const sent = Date.now();
    // Stamped a minute ahead (within the accepted clock drift), so the simulated station's own
    // readings, older, cannot replace it on the screen before it is seen.
    await client.publishAsync(`luohu/v1/air/${id}/telemetry`, JSON.stringify({ ts: sent + 60_000, pm25: distinctive }), { qos: 1 });
    await waitFor(page, `document.querySelector('#air .row[data-device="${id}"]')?.textContent.includes('432.1')`, 2_000);
    expect(Date.now() - sent).toBeLessThan(2_000);
    await client.endAsync();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an alarm raised by a published reading within 2 s, and acknowledges it from the page with the operator token', async () => {
    const page = await openPage(1920, 1080);
    const id = 'air-sungang';
    const devices = (await (await fetch(`${platform.httpUrl}/api/v1/devices?family=air`)).json()) as { devices: Array<{ id: string; siteName: string }> };
    const siteName = devices.devices.find((d) => d.id === id)!.siteName;
    const client = await connectSeedDevice(platform.mqttUrl, id, 'screen-alarm-test');
    const sent = Date.now();
    // PM2.5 250 µg/m³ is a real-time AQI of 300: the air-aqi-realtime rule (above 150) opens at once.
    await client.publishAsync(`luohu/v1/air/${id}/telemetry`, JSON.stringify({ ts: sent, pm25: 250 }), { qos: 1 });
    const inFeed = `[...document.querySelectorAll('#alarms .alarm.open')].some((e) => e.textContent.includes(${JSON.stringify(siteName)}))`;
    await waitFor(page, inFeed, 2_000);
    expect(Date.now() - sent).toBeLessThan(2_000);
    await client.endAsync();

    const open = (await (await fetch(`${platform.httpUrl}/api/v1/alarms?state=open`)).json()) as { alarms: Array<{ id: string; deviceId: string; ruleId: string }> };
    const alarm = open.alarms.find((a) => a.deviceId === id && a.ruleId === 'air-aqi-realtime')!;
    expect(alarm).toBeDefined();
    // Without a token the page says so and nothing changes.
    await page.click(`#alarms .alarm[data-alarm="${alarm.id}"] .ack`);
    await waitFor(page, "!document.getElementById('toast').hidden");
    // The operator token, entered once, kept in sessionStorage for the session.
    await page.click('#token-button');
    await page.fill('#token-input', platform.operatorToken);
    await page.click('#token-form button[value="save"]');
    // The dialog's close event (which stores the token) follows the submit as a task of its own.
    await waitFor(page, `sessionStorage.getItem('wanxiang.operatorToken') === ${JSON.stringify(platform.operatorToken)}`);
    await page.click(`#alarms .alarm[data-alarm="${alarm.id}"] .ack`);
    await waitFor(page, `document.querySelector('#alarms .alarm[data-alarm="${alarm.id}"]')?.classList.contains('acknowledged')`);
    const acknowledged = (await (await fetch(`${platform.httpUrl}/api/v1/alarms?state=acknowledged`)).json()) as { alarms: Array<{ id: string; notes: Array<{ text: string }> }> };
    expect(acknowledged.alarms.find((a) => a.id === alarm.id)?.notes.length).toBe(1);
    await page.screenshot({ path: join(artifacts, 'screen-wall-alarm.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('switches every visible label with the language toggle, and remembers the choice', async () => {
    const page = await openPage(1920, 1080);
    // The screen's own table, read in the page: every label shown must be its entry for the language.
    const labels = (await page.evaluate("import('/screen/i18n.js').then((m) => m.labels)")) as Record<string, { zh: string; en: string }>;
    const labelled = async () => (await page.evaluate(`[...document.querySelectorAll('[data-i18n]')]
      .filter((e) => e.offsetParent !== null || e.closest('header')).map((e) => [e.dataset.i18n, e.textContent])`)) as Array<[string, string]>;
    for (const [key, text] of await labelled()) expect(text, key).toBe(labels[key]!.zh);
    await page.click('#language-button');
    await waitFor(page, "document.documentElement.lang === 'en'");
    for (const [key, text] of await labelled()) expect(text, key).toBe(labels[key]!.en);
    // Nothing Chinese is left on the page in English (labels, tiles, rows, names, the clock) but the
    // toggle back, which names its language in its own script (中文), as language switches do
    // (the sign-in dialog has one too; closed dialogs are not shown, though innerText reads them).
    const visible = (await page.evaluate("[...document.body.querySelectorAll('body > *:not(header):not(dialog:not([open])), header .brand, header #link, header a, header #token-button')].map((e) => e.innerText).join('\\n')")) as string;
    expect(visible.length).toBeGreaterThan(500);
    expect(visible.split('\n').filter((line) => cjk.test(line))).toEqual([]);
    expect(await page.evaluate("document.getElementById('language-button').textContent")).toBe(labels.language!.en);
    await page.screenshot({ path: join(artifacts, 'screen-wall-en.png') });
    await page.reload();
    await waitFor(page, "document.querySelectorAll('#tiles .tile').length === 7");
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.click('#language-button');
    await waitFor(page, "document.documentElement.lang === 'zh-CN'");
    for (const [key, text] of await labelled()) expect(text, key).toBe(labels[key]!.zh);
    // Labels drawn by the scripts (tile names and verdicts, row verdicts, alarm severities) are Chinese again too.
    const drawn = (await page.evaluate(`[...document.querySelectorAll('.tile .name, .tile .status, #water .row span:last-child, .alarm .meta')]
      .map((e) => e.textContent).filter((text) => text && text !== '—')`)) as string[];
    expect(drawn.length).toBeGreaterThan(14);
    expect(drawn.filter((text) => !cjk.test(text))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders /docs (Swagger UI from node_modules) under the API’s CSP, with every operation listed', async () => {
    const page = await context.newPage();
    const before = problems.length;
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`docs console: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`docs page error: ${error.message}`));
    await page.goto(`${platform.httpUrl}/docs`);
    await page.waitForSelector('.swagger-ui .opblock');
    const operations = (await page.evaluate("document.querySelectorAll('.swagger-ui .opblock').length")) as number;
    expect(operations).toBeGreaterThanOrEqual(20);
    expect(problems.slice(before)).toEqual([]);
    await page.close();
  });

  it('opens a site’s series chart from /api/v1/series when it is clicked', async () => {
    const page = await openPage(1920, 1080);
    const series = page.waitForResponse((response) => response.url().includes('/api/v1/series?device=water-') && response.status() === 200);
    await page.click('#water .row[data-device]');
    await series;
    await page.waitForSelector('#series-dialog[open] #series-chart canvas');
    expect(problems).toEqual([]);
    await page.close();
  });
});
