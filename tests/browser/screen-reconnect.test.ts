import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startPlatformAndChromium, type PlatformAndChromium } from '../helpers/platform-and-chromium.ts';

/**
 * The screen stays correct when its event stream drops: the platform (in process here, so the
 * test can cut every stream from the server's side) ends the connections; the page's
 * EventSource comes back on its own and the page refetches /api/v1/live.
 */
describe('the screen after its event stream drops', () => {
  let running: PlatformAndChromium | undefined;
  let test: TestPlatform;
  let context: BrowserContext;

  beforeAll(async () => {
    ({ test, context } = running = await startPlatformAndChromium());
  });
  afterAll(async () => {
    await running?.close();
  });

  it('refetches /api/v1/live when the stream comes back, and shows what changed meanwhile', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${test.endpoints.httpUrl}/`);
    await page.waitForSelector('#link.up');
    let liveFetches = 0;
    page.on('request', (request) => { if (request.url().endsWith('/api/v1/live')) liveFetches += 1; });

    test.platform.live.hub.closeAll();
    await page.waitForSelector('#link:not(.up)');
    // While the page is away, a reading arrives and its summary leaves on the stream nobody hears.
    const device = test.device('water-buji-river-mouth');
    const client = await test.connect(device);
    await client.publishAsync(test.topics.build('water', device.id, 'telemetry'), JSON.stringify({ ts: Date.now(), do: 1.23, nh3n: 4.56 }), { qos: 1 });
    await page.waitForSelector('#link.up', { timeout: 15_000 });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !(await page.evaluate(`document.querySelector('#water .row[data-device="${device.id}"]')?.textContent.includes('劣V')`))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(liveFetches).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(`document.querySelector('#water .row[data-device="${device.id}"]').textContent`)).toContain('劣V');
    expect(errors).toEqual([]);
    await page.close();
  });
});
