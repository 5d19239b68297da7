import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { openInLanguage } from '../helpers/wall-language.ts';
import { waitFor } from './wall-checks.ts';

const hour = 3_600_000;
const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.getElementById('link').classList.contains('up')";
const target = "document.querySelector('.tile[data-tile=\"noise\"] .target')";

/** Today's Beijing date at hh:mm:ss Beijing time (UTC+8 all year), as epoch ms. */
const beijingToday = (hh: number, mm: number, ss = 0): number => {
  const day = new Date(Date.now() + 8 * hour);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hh, mm, ss) - 8 * hour;
};

/**
 * Red team 11 (the wall's truth): the noise tile counts the roads over their zone's GB 3096-2008
 * Leq limit for the period now (day 06:00–22:00, night 22:00–06:00 Beijing time), and said
 * "规划目标 ≤ 55 dB(A)" (the plan's night target for the trunk roads) all day, while by day it
 * counted a 4a road over 70. It names the limit it counts by, for the period on the platform's
 * clock (the browser's is set in the other period here): the seeded district's monitors stand in
 * zones 4a, 2 and 1 (day 70 / 60 / 55, night 55 / 50 / 45).
 */
describe('the noise tile names the limit of the period now (chromium)', () => {
  let test: TestPlatform;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;
  // The platform's clock, moved to a chosen Beijing time (services/live takes it injected).
  let shiftMs = 0;

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } }, { now: () => Date.now() + shiftMs });
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  /** A wall whose platform says `platformMs` now, in a browser whose own clock says `browserMs`. */
  const wallAt = async (platformMs: number, browserMs: number, language: 'zh' | 'en'): Promise<Page> => {
    shiftMs = platformMs - Date.now();
    const page = await context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.clock.install({ time: browserMs });
    await page.clock.resume();
    await openInLanguage(page, `${test.endpoints.httpUrl}/`, language, loaded);
    return page;
  };

  for (const [name, at, browserAt, language, expected] of [
    ['10:00, by day', beijingToday(10, 0), beijingToday(2, 0), 'zh', '昼间限值 55–70 dB(A)'],
    ['23:00, by night', beijingToday(23, 0), beijingToday(12, 0), 'en', 'Night limit 45–55 dB(A)'],
    ['05:59:30, still night', beijingToday(5, 59, 30), beijingToday(12, 0), 'zh', '夜间限值 45–55 dB(A)'],
    ['06:00:30, day again', beijingToday(6, 0, 30), beijingToday(2, 0), 'zh', '昼间限值 55–70 dB(A)'],
  ] as const) {
    it(`${name} on the platform’s clock (the browser’s in the other period): “${expected}”, each zone’s limit in its title and view`, async () => {
      const page = await wallAt(at, browserAt, language);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await waitFor(page, `${target}?.textContent === ${JSON.stringify(expected)}`);
      const day = expected.includes('昼') || expected.startsWith('Day');
      const title = (await page.evaluate(`${target}.title`)) as string;
      if (language === 'zh') {
        expect(title).toContain(day ? '4a类 70 · 2类 60 · 1类 55 dB(A)' : '4a类 55 · 2类 50 · 1类 45 dB(A)');
        expect(title).toContain(day ? '06:00–22:00 北京时间' : '22:00–06:00 北京时间');
      } else {
        expect(title).toContain('zone 4a 55 · zone 2 50 · zone 1 45 dB(A)');
        expect(title).toContain('22:00–06:00 Beijing time');
      }
      // The view says both: the limit the count uses now, and the plan's target the year is judged by.
      await page.click('.tile[data-tile="noise"]');
      await waitFor(page, "document.getElementById('tile-dialog').open");
      const view = (await page.evaluate("document.getElementById('tile-body').innerText")) as string;
      expect(view).toContain(title);
      expect(view).toContain(language === 'zh' ? '规划目标\n≤ 55 dB(A)' : 'Plan target\n≤ 55 dB(A)');
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('left open across 22:00, the tile names the night limit within a few seconds', async () => {
    const page = await wallAt(beijingToday(21, 59, 40), beijingToday(2, 0), 'zh');
    await waitFor(page, `${target}?.textContent === '昼间限值 55–70 dB(A)'`);
    await waitFor(page, `${target}.textContent === '夜间限值 45–55 dB(A)'`, 40_000);
    expect(await page.evaluate(`${target}.dataset.period`)).toBe('night');
    await page.close();
  });
});
