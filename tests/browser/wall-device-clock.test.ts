import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const row = (id: string) => `document.querySelector('#air .row[data-device="${id}"]')`;


/**
 * Red team 11 (the wall's truth): a device's clocks. One reading stamped ahead of its receipt (an
 * RTC that jumped; ingest takes up to 5 min ahead) froze the station at that reading: every
 * reading after it was older, so /api/v1/live and the wall kept its value, counted its age from it
 * and greyed it as silent after 3 minutes, while it reported every few seconds. A reading stamped
 * in the past (a logger's backfill) still never replaces a newer one.
 */
describe('the wall and a device’s clock (chromium)', () => {
  let test: TestPlatform;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });


  it('the online tile’s raw data is where its count comes from: a station that publishes and leaves is on time there, not “online” in /api/v1/devices', async () => {
    const page = await context.newPage();
    await page.goto(`${test.endpoints.httpUrl}/`);
    await page.waitForSelector('#link.up');
    // A station that connects, publishes one reading and disconnects (as a battery logger does).
    const device = test.device('air-guiyuan');
    const client = await test.connect(device);
    await client.publishAsync(test.topics.build('air', device.id, 'telemetry'), JSON.stringify({ ts: Date.now(), pm25: 21, pm10: 40, o3: 50, no2: 25, so2: 5, co: 0.6 }), { qos: 1 });
    await client.endAsync();
    await waitFor(page, `${row(device.id)}?.dataset.freshness === 'fresh'`);
    const shown = Number(await page.evaluate("document.querySelector('.tile[data-tile=\"online\"]').dataset.value"));
    expect(shown).toBeGreaterThanOrEqual(1);
    await page.click('.tile[data-tile="online"]');
    await waitFor(page, "document.getElementById('tile-dialog').open");
    const link = (await page.evaluate("document.querySelector('#tile-body a').getAttribute('href')")) as string;
    const raw = (await (await fetch(`${test.endpoints.httpUrl}${link}`)).json()) as { families?: Array<{ devices: Array<{ id: string; freshness: string }> }>; devices?: Array<{ id: string; online: boolean }> };
    // The figure is found in what its link answers: the devices on time.
    expect(raw.families, link).toBeDefined();
    const onTime = raw.families!.flatMap((family) => family.devices).filter((d) => d.freshness === 'fresh');
    expect(onTime.map((d) => d.id)).toContain(device.id);
    expect(onTime.length).toBe(shown);
    // /api/v1/devices says whether it is connected, which it is not: the tile never linked there.
    const devices = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/devices`)).json()) as { devices: Array<{ id: string; online: boolean }> };
    expect(devices.devices.find((d) => d.id === device.id)!.online).toBe(false);
    await page.close();
  });
});
