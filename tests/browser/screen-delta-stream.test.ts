import type { BrowserContext, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startPlatformAndChromium, type PlatformAndChromium } from '../helpers/platform-and-chromium.ts';
import { waitFor } from './wall-checks.ts';

const row = (id: string) => `document.querySelector('#air .row[data-device="${id}"]')`;

/**
 * Issue 21 item 5: the wall takes the stream's delta format (a picture, then only what changed,
 * gzip on the wire) and still shows every change: a new value, a new state, a new alarm, the
 * receipt of a reading whose values did not change (freshness), and what it missed while away.
 */
describe('the wall on the delta stream (chromium)', () => {
  let running: PlatformAndChromium | undefined;
  let test: TestPlatform;
  let context: BrowserContext;

  beforeAll(async () => {
    ({ test, context } = running = await startPlatformAndChromium());
  });
  afterAll(async () => {
    await running?.close();
  });

  it('shows a changed value and a new alarm, as /api/v1/live has them, from a compressed delta stream', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const streams: Response[] = [];
    page.on('response', (response) => { if (response.url().includes('/api/v1/stream')) streams.push(response); });
    await page.goto(`${test.endpoints.httpUrl}/`);
    await page.waitForSelector('#link.up');
    expect(streams[0]!.url()).toContain('format=delta');
    expect((await streams[0]!.allHeaders())['content-encoding']).toBe('gzip');

    const device = test.device('air-dongmen');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const values = { pm25: 42.5, pm10: 70, o3: 50, no2: 25, so2: 5, co: 0.6 };
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), ...values }), { qos: 1 });
    await waitFor(page, `${row(device.id)}?.querySelector('.value')?.textContent === '42.5'`);
    // One value changes: only it travels; the row shows it and keeps the others as they were.
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() + 1, ...values, pm25: 57.5 }), { qos: 1 });
    await waitFor(page, `${row(device.id)}.querySelector('.value').textContent === '57.5'`);
    // The badge is the AQI the platform judged: the same as /api/v1/live says.
    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live?family=air`)).json()) as { families: Array<{ devices: Array<{ id: string; state: { value: number } }> }> };
    const judged = live.families[0]!.devices.find((d) => d.id === device.id)!.state.value;
    await waitFor(page, `${row(device.id)}.querySelector('.badge').textContent === '${judged}'`);

    // PM2.5 250: the state changes (heavy pollution) and an alarm opens; both reach the wall.
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() + 2, ...values, pm25: 250 }), { qos: 1 });
    await waitFor(page, `${row(device.id)}.querySelector('.value').textContent === '250'`);
    await waitFor(page, `document.querySelector('#alarms [data-device="${device.id}"]') !== null`, 20_000);
    expect(Number(await page.evaluate("document.getElementById('alarm-count').textContent"))).toBeGreaterThanOrEqual(1);

    // Away and back (the stream cut from the server's side): what changed meanwhile is on the wall.
    test.platform.live.hub.closeAll();
    await page.waitForSelector('#link:not(.up)');
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() + 3, ...values, pm25: 61.5 }), { qos: 1 });
    await page.waitForSelector('#link.up', { timeout: 15_000 });
    await waitFor(page, `${row(device.id)}.querySelector('.value').textContent === '61.5'`);

    // A fresh page (no Last-Event-ID) starts from the stream's picture and shows the same.
    const second = await context.newPage();
    await second.goto(`${test.endpoints.httpUrl}/`);
    await second.waitForSelector('#link.up');
    await waitFor(second, `${row(device.id)}?.querySelector('.value')?.textContent === '61.5'`);
    expect(await second.evaluate(`${row(device.id)}.querySelector('.value').textContent`)).toBe(await page.evaluate(`${row(device.id)}.querySelector('.value').textContent`));
    expect(await second.evaluate(`${row(device.id)}.querySelector('.badge').textContent`)).toBe(await page.evaluate(`${row(device.id)}.querySelector('.badge').textContent`));
    expect(errors).toEqual([]);
    await second.close();
    await page.close();
  });
});
