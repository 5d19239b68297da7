import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startPlatformAndChromium, type PlatformAndChromium } from '../helpers/platform-and-chromium.ts';
import { waitFor } from './wall-checks.ts';

const row = (id: string) => `document.querySelector('#air .row[data-device="${id}"]')`;
const minute = 60_000;
/** HH:MM in Beijing time, as the wall writes it. */
const beijingHm = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(11, 16);
/** Minutes between a wall's HH:MM and a time, across midnight. */
const minutesApart = (hm: string, ms: number) => {
  const [h, m] = hm.split(':').map(Number);
  const [H, M] = beijingHm(ms).split(':').map(Number);
  const apart = Math.abs((h! * 60 + m!) - (H! * 60 + M!));
  return Math.min(apart, 1440 - apart);
};

/**
 * Red team 11 (the wall's truth): the browser's clock is not the platform's. An operations
 * centre's PC without a time server (the wall needs no internet) 30 minutes slow showed the
 * header's Beijing clock at 20:33, every "updated" at 20:33, beside an alarm opened at 20:56 by
 * the platform; one a day fast gave every time a date, as if all were yesterday's. The wall keeps
 * the platform's clock (learnt from /api/v1/live's generatedAt), in a browser in another zone too.
 */
describe('the wall keeps the platform’s clock, not the browser’s (chromium)', () => {
  let running: PlatformAndChromium | undefined;
  let test: TestPlatform;
  let context: BrowserContext;

  beforeAll(async () => {
    ({ test, context } = running = await startPlatformAndChromium());
  });
  afterAll(async () => {
    await running?.close();
  });

  const skewedPage = async (skewMs: number): Promise<Page> => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.clock.install({ time: Date.now() + skewMs });
    await page.clock.resume();
    await page.goto(`${test.endpoints.httpUrl}/`);
    await page.waitForSelector('#link.up');
    return page;
  };

  it('a browser 30 minutes slow, and one a day fast, show Beijing time as the platform has it: the clock, "updated", the alarm, fresh rows', async () => {
    const device = test.device('air-donghu');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const values = { pm25: 30, pm10: 50, o3: 50, no2: 25, so2: 5, co: 0.6 };

    for (const skew of [-30 * minute, 24 * 60 * minute]) {
      const page = await skewedPage(skew);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // The browser's clock is off as asked; the wall's is the platform's.
      expect(Math.abs((await page.evaluate('Date.now()') as number) - Date.now() - skew)).toBeLessThan(minute);
      // The header is drawn at once on the browser's clock and redrawn once the platform's is learnt (its first /live): wait for that.
      // The date alone does not tell the two apart for a browser 30 minutes slow: the time is waited for (a loaded machine answers /live late).
      const today = new Date(Date.now() + 8 * 3_600_000).getUTCDate();
      await waitFor(page, `/\\b${today}\\b/.test(document.getElementById('clock').textContent)`);
      let clock = '';
      for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 200))) {
        clock = (await page.evaluate("document.getElementById('clock').textContent")) as string;
        const shown = /(\d{1,2}:\d{2}):\d{2}/.exec(clock);
        if (shown && minutesApart(shown[1]!.padStart(5, '0'), Date.now()) <= 1) break;
      }
      expect(minutesApart(/(\d{1,2}:\d{2}):\d{2}/.exec(clock)![1]!.padStart(5, '0'), Date.now()), clock).toBeLessThanOrEqual(1);
      expect(clock).toContain(new Date(Date.now() + 8 * 3_600_000).getUTCDate().toString());

      // A reading now: its row is fresh and its panel was updated now (no date: it is today).
      await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), ...values, pm25: 30 + Math.round(skew / minute) / 1e4 }), { qos: 1 });
      await waitFor(page, `${row(device.id)}?.dataset.freshness === 'fresh'`);
      const updated = (await page.evaluate("document.getElementById('upd-air').textContent")) as string;
      expect(updated, `${skew}`).toMatch(/^更新于 \d{2}:\d{2}:\d{2}$/);
      expect(minutesApart(updated.slice(4, 9), Date.now()), updated).toBeLessThanOrEqual(1);
      expect((await page.evaluate("document.getElementById('silent').textContent")) as string).not.toContain(device.siteName ?? '东湖');

      // An alarm the platform opens now says the time now, with no date.
      if (skew < 0) {
        await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), ...values, pm25: 250 }), { qos: 1 });
        await waitFor(page, `document.querySelector('#alarms [data-device="${device.id}"]') !== null`, 10_000);
      }
      const meta = (await page.evaluate(`document.querySelector('#alarms [data-device="${device.id}"] .meta').textContent`)) as string;
      const opened = /(\d{2}-\d{2} )?(\d{2}:\d{2})$/.exec(meta)!;
      expect(opened[1], meta).toBeUndefined();
      expect(minutesApart(opened[2]!, Date.now()), meta).toBeLessThanOrEqual(2);
      expect(errors).toEqual([]);
      await page.close();
    }
    await client.endAsync();
  });
});
