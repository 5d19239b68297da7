import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { startPlatformAndChromium, type PlatformAndChromium } from '../helpers/platform-and-chromium.ts';
import { openInLanguage } from '../helpers/wall-language.ts';
import { missingValues, waitFor } from './wall-checks.ts';

const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.querySelectorAll('#air .row[data-device]').length === 10 && document.getElementById('link').classList.contains('up')";

/**
 * Red team 11 (the wall's truth): a value the page did not have must never reach it as its name,
 * nor as another's. Rows in no alarm carried data-alarm="undefined"; a series with no point said
 * data-max="-Infinity"; a series that could not be read left the chart of the device opened before
 * under the new one's title. Here the wall of a district that has mostly never reported (no
 * simulators), with a few devices that sent the least their family takes, is read whole in both
 * languages: every text and attribute of the wall, each generic family's tab, each tile's view, a
 * device's series and the alarm history.
 */
describe('the wall never shows a value it does not have (chromium)', () => {
  let running: PlatformAndChromium | undefined;
  let test: TestPlatform;
  let context: BrowserContext;

  beforeAll(async () => {
    ({ test, context } = running = await startPlatformAndChromium());
    // The least each family takes, from one device of each; the rest of the district never reported.
    const now = Date.now();
    const least: Array<[string, Record<string, number>]> = [
      ['air-guiyuan', { pm25: 35 }],
      ['water-shenzhen-river-mouth', { nh3n: 0.4 }],
      ['grid-buxin-t1', { activePower: 100 }],
      ['parking-people-hospital', { totalSpaces: 0, occupiedSpaces: 0 }],
      ['noise-buxin-road-1', { leq: 60 }],
      ['voc-shuibei-casting', { nmhc: 10 }],
      ['waterlogging-shennan-wfc', { depth: 3 }],
      ['ev-dongmen-1', { state: 1 }],
    ];
    for (const [id, values] of least) {
      const device = test.device(id);
      const client = await test.connect(device);
      await client.publishAsync(test.topics.build(device.family, id, 'telemetry'), JSON.stringify({ ts: now, ...values }), { qos: 1 });
    }
  });
  afterAll(async () => {
    await running?.close();
  });

  const openPage = async (language: 'zh' | 'en'): Promise<Page> => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await openInLanguage(page, `${test.endpoints.httpUrl}/`, language, loaded);
    return page;
  };

  for (const language of ['zh', 'en'] as const) {
    it(`${language}: no text or attribute says undefined, NaN, null or Infinity: the wall, its tabs, each tile's view, a series, the alarm history`, async () => {
      const page = await openPage(language);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const found = new Set<string>();
      const look = async (what: string) => {
        for (const problem of (await page.evaluate(missingValues)) as string[]) found.add(`${what}: ${problem}`);
      };
      await waitFor(page, "document.querySelector('#air .row[data-device=\"air-guiyuan\"]')?.dataset.freshness === 'fresh'");
      await look('wall');
      for (const family of (await page.evaluate("[...document.querySelectorAll('#generic-tabs .tab')].map((e) => e.dataset.family)")) as string[]) {
        await page.click(`#generic-tabs .tab[data-family="${family}"]`);
        await waitFor(page, `document.getElementById('generic-panel').dataset.family === '${family}' && document.querySelectorAll('#generic .row[data-device]').length > 0`);
        await look(`tab ${family}`);
      }
      for (const tile of (await page.evaluate("[...document.querySelectorAll('#tiles .tile')].map((e) => e.dataset.tile)")) as string[]) {
        await page.click(`.tile[data-tile="${tile}"]`);
        await waitFor(page, "document.getElementById('tile-dialog').open");
        await look(`tile ${tile}`);
        await page.click('#tile-close');
      }
      for (const id of ['air-guiyuan', 'noise-buxin-road-1', 'parking-people-hospital', 'air-huangbei']) {
        await page.click(`.row[data-device="${id}"] .nm`);
        await waitFor(page, "document.getElementById('series-dialog').open && document.getElementById('series-chart').dataset.points !== undefined");
        await look(`series ${id}`);
        await page.evaluate("document.getElementById('series-chart').removeAttribute('data-points')");
        await page.click('#series-close');
      }
      await page.click('#alarm-history');
      await waitFor(page, "document.getElementById('history-dialog').open && !document.querySelector('#history-list .loading, #history-list p.empty')?.textContent.includes('加载中')");
      await look('alarm history');
      expect([...found]).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('a series that cannot be read shows nothing and says why, not the chart of the device opened before', async () => {
    const page = await openPage('zh');
    const chart = "echarts.getInstanceByDom(document.getElementById('series-chart')).getOption()";
    await page.click('.row[data-device="air-guiyuan"] .nm');
    await waitFor(page, "Number(document.getElementById('series-chart').dataset.points) >= 1");
    expect(await page.evaluate(`${chart}.series.some((s) => s.data.length > 0)`)).toBe(true);
    await page.click('#series-close');
    // The platform stops answering series: the next station's chart is empty, with the reason.
    await page.route('**/api/v1/series?**', (route) => route.abort());
    await page.click('.row[data-device="noise-buxin-road-1"] .nm');
    await waitFor(page, `document.getElementById('series-title').textContent.includes('布心路') && ${chart}.title[0]?.text === '无法连接平台，请稍后重试'`);
    expect(await page.evaluate(`${chart}.series.every((s) => s.data.length === 0)`)).toBe(true);
    expect(await page.evaluate("document.getElementById('series-chart').dataset.points ?? null")).toBeNull();
    await page.close();
  });
});
