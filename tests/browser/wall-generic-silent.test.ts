import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.getElementById('link').classList.contains('up') && document.querySelectorAll('#generic-tabs .tab').length > 0";

/**
 * The wall's truth in the "more sensors" panel: the count of devices in each state is of now. A
 * depth gauge silent for an hour (waterlogging reports every 5 min: silent after 15) was counted
 * "不宜通行 1" (impassable) by its last reading, while its row was greyed with its age and the
 * tiles leave silent devices out. It is counted as silent now.
 */
describe('the generic panel counts a silent device as silent, not by its last state (chromium)', () => {
  let test: TestPlatform;
  let restarted: Platform | undefined;
  let browser: TestBrowser | undefined;
  let httpUrl = '';
  const silent = 'waterlogging-shennan-wfc';
  const heard = 'waterlogging-wenjin-school';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    const now = Date.now();
    await test.platform.influx.write([
      `waterlogging,device=${silent} depth_cm=40,recv_lag_ms=0i ${now - 3_600_000}`,
      `waterlogging,device=${heard} depth_cm=0,recv_lag_ms=0i ${now - 30_000}`,
    ]);
    await test.platform.close();
    restarted = createPlatform(test.config, createLogger('silent'));
    httpUrl = (await restarted.start()).httpUrl;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await restarted?.close();
    await restarted?.influx.query(`DROP DATABASE "${test.config.influx.database}"`, { database: null }).catch(() => undefined);
    await rm(test.config.dataDir, { recursive: true, force: true });
  });

  it('says 静默 1 beside the heard gauge’s state, and no 不宜通行', async () => {
    const page = await browser!.context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${httpUrl}/`);
    await waitFor(page, loaded, 30_000);
    await page.click('#generic-tabs .tab[data-family="waterlogging"]');
    await waitFor(page, `document.querySelector('#generic .row[data-device="${silent}"]')?.dataset.freshness === 'silent'`);
    const summary = (await page.evaluate("document.getElementById('generic-summary').querySelector('.family-summary-line').innerText")) as string;
    expect(summary).toContain('静默 1');
    expect(summary).not.toContain('不宜通行');
    expect(summary).toContain('无积水 1');
    await page.close();
  });
});
