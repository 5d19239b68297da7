import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.getElementById('link').classList.contains('up')";
interface LiveDevice { id: string; ageMs: number; freshness: string }

/**
 * The wall's truth for a reading measured long before it arrived (a station back online sending
 * what its logger held, a device whose clock is hours behind): its age is the measurement's, not
 * the receipt's. A PM2.5 measured three hours ago read as a fresh, green, online row (counted on
 * receipt), while the same reading after a restart read silent (seeded from its stamp).
 */
describe('a reading measured hours before its receipt is not shown as now (chromium)', () => {
  let test: TestPlatform;
  let browser: TestBrowser | undefined;
  let page: Page;
  const late = 'air-guiyuan';
  const now = 'air-huangbei';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${test.endpoints.httpUrl}/`);
    await waitFor(page, loaded, 30_000);
  });
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  it('greys it with its age on the wall, in /api/v1/live and out of the online count', async () => {
    const values = { pm25: 30, pm10: 30, o3: 60, no2: 20, so2: 5, co: 0.5 };
    const old = await test.connect(test.device(late));
    await old.publishAsync(test.topics.build('air', late, 'telemetry'), JSON.stringify({ ts: Date.now() - 3 * 3_600_000, ...values }), { qos: 1 });
    const fresh = await test.connect(test.device(now));
    await fresh.publishAsync(test.topics.build('air', now, 'telemetry'), JSON.stringify(values), { qos: 1 });
    // Over the delta stream, as an open wall takes it.
    await waitFor(page, `document.querySelector('#air .row[data-device="${now}"]')?.dataset.freshness === 'fresh'`);
    await waitFor(page, `document.querySelector('#air .row[data-device="${late}"] .badge')?.textContent === '43'`);
    expect(await page.evaluate(`document.querySelector('#air .row[data-device="${late}"]').dataset.freshness`)).toBe('silent');
    expect(await page.evaluate(`document.querySelector('#air .row[data-device="${late}"] .age').textContent`)).toContain('h');
    expect(await page.evaluate(`document.querySelector('.tile[data-tile="online"]').dataset.value`)).toBe('1');

    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live?family=air`)).json()) as { families: Array<{ devices: LiveDevice[] }> };
    const device = live.families[0]!.devices.find((d) => d.id === late)!;
    expect(device.freshness).toBe('silent');
    expect(device.ageMs).toBeGreaterThan(3 * 3_600_000 - 60_000);
    // And a wall opened now (its /live and the stream's sync) says the same.
    const second = await browser!.context.newPage();
    await second.goto(`${test.endpoints.httpUrl}/`);
    await waitFor(second, loaded, 30_000);
    expect(await second.evaluate(`document.querySelector('#air .row[data-device="${late}"]').dataset.freshness`)).toBe('silent');
    await second.close();
  });
});
