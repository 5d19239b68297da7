import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startPlatformAndChromium, type PlatformAndChromium } from '../helpers/platform-and-chromium.ts';
import { waitFor } from './wall-checks.ts';

const row = (id: string) => `document.querySelector('#air .row[data-device="${id}"]')`;

interface LiveDevice { id: string; time: string; ageMs: number; gapMs: number | null; freshness: string; values: Record<string, number> }

/**
 * Red team 11 (the wall's truth): a device's clocks. One reading stamped ahead of its receipt (an
 * RTC that jumped; ingest takes up to 5 min ahead) froze the station at that reading: every
 * reading after it was older, so /api/v1/live and the wall kept its value, counted its age from it
 * and greyed it as silent after 3 minutes, while it reported every few seconds. A reading stamped
 * in the past (a logger's backfill) still never replaces a newer one.
 */
describe('the wall and a device’s clock (chromium)', () => {
  let running: PlatformAndChromium | undefined;
  let test: TestPlatform;
  let context: BrowserContext;

  beforeAll(async () => {
    ({ test, context } = running = await startPlatformAndChromium());
  });
  afterAll(async () => {
    await running?.close();
  });

  const liveDevice = async (id: string): Promise<LiveDevice> => {
    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live?family=air`)).json()) as { families: Array<{ devices: LiveDevice[] }> };
    return live.families[0]!.devices.find((d) => d.id === id)!;
  };

  it('a reading stamped 4 minutes ahead does not freeze the station: the next ones show, on the wall as in /api/v1/live; a backfilled one does not', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${test.endpoints.httpUrl}/`);
    await page.waitForSelector('#link.up');

    const device = test.device('air-dongmen');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const values = { pm25: 30, pm10: 50, o3: 50, no2: 25, so2: 5, co: 0.6 };
    // The station's clock jumps 4 minutes ahead for one reading (accepted: within ingest.maxFutureMs).
    const ahead = Date.now() + 4 * 60_000;
    await client.publishAsync(topic, JSON.stringify({ ts: ahead, ...values, pm25: 33.3 }), { qos: 1 });
    await waitFor(page, `${row(device.id)}?.querySelector('.value')?.textContent === '33.3'`);
    expect((await liveDevice(device.id)).values.pm25).toBe(33.3);

    // Its clock is right again: the readings it sends now are what the station measures now.
    for (const pm25 of [41.1, 42.2, 44.4]) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), ...values, pm25 }), { qos: 1 });
    }
    await waitFor(page, `${row(device.id)}.querySelector('.value').textContent === '44.4'`, 10_000);
    const now = await liveDevice(device.id);
    expect(now.values.pm25).toBe(44.4);
    expect(Date.parse(now.time)).toBeLessThan(ahead);
    expect(now.ageMs).toBeLessThan(5_000);
    expect(now.freshness).toBe('fresh');
    // The gap between its receipts is learnt from the reading after the one stamped ahead too (about 1 s).
    expect(now.gapMs).toBeGreaterThan(0);
    expect(now.gapMs).toBeLessThan(10_000);
    expect(await page.evaluate(`${row(device.id)}.dataset.freshness`)).toBe('fresh');

    // A reading of an hour ago (a logger's backfill) is stored, never shown as the station's latest.
    // Live sees a reading before its PUBACK; a reading of another station after it is on the wall
    // after it (one stream, in order).
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() - 3_600_000, ...values, pm25: 99.9 }), { qos: 1 });
    expect((await liveDevice(device.id)).values.pm25).toBe(44.4);
    const other = test.device('air-huangbei');
    await (await test.connect(other)).publishAsync(test.topics.build('air', other.id, 'telemetry'), JSON.stringify({ ts: Date.now(), ...values, pm25: 12.3 }), { qos: 1 });
    await waitFor(page, `${row(other.id)}?.querySelector('.value')?.textContent === '12.3'`);
    expect(await page.evaluate(`${row(device.id)}.querySelector('.value').textContent`)).toBe('44.4');
    expect(errors).toEqual([]);
    await page.close();
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
