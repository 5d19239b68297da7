import { rm } from 'node:fs/promises';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const hour = 3_600_000;
const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.getElementById('link').classList.contains('up')";
// A sample that meets Class II and so every section's target (GB 3838-2002 Table 1).
const clean = 'ph=7.2,do_mgl=7.0,codmn_mgl=3.0,nh3n_mgl=0.3,tp_mgl=0.02';

/**
 * The wall's truth: "sections meeting their target class now" counts what is known now. A section
 * silent past three of its report intervals (water: 4 h, live/freshness.ts) greys on its row with
 * its age; its last sample, 13 hours old, is not its class now, and the tile counted it as meeting
 * (the heavy-load, noise and parking counts already left silent devices out). Its row no longer
 * says 达标 either, so the tile and its panel still agree.
 */
describe('a silent water section is not counted as meeting its target now (chromium)', () => {
  let test: TestPlatform;
  let restarted: Platform | undefined;
  let browser: TestBrowser | undefined;
  let context: BrowserContext;
  let httpUrl = '';
  const silent = 'water-buji-river-mouth';
  const heard = 'water-shenzhen-river-mouth';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    // Stored readings the restarted platform seeds its live view from (live/seed-latest.ts).
    const now = Date.now();
    await test.platform.influx.write([`water_quality,device=${silent} ${clean},recv_lag_ms=0i ${now - 13 * hour}`, `water_quality,device=${heard} ${clean},recv_lag_ms=0i ${now - 60_000}`]);
    await test.platform.close();
    restarted = createPlatform(test.config, createLogger('silent'));
    httpUrl = (await restarted.start()).httpUrl;
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await restarted?.close();
    await restarted?.influx.query(`DROP DATABASE "${test.config.influx.database}"`, { database: null }).catch(() => undefined);
    await rm(test.config.dataDir, { recursive: true, force: true });
  });

  it('the tile counts the section heard, not the silent one; the silent row says neither 达标 nor 不达标', async () => {
    const live = (await (await fetch(`${httpUrl}/api/v1/live?family=water`)).json()) as { families: Array<{ devices: Array<{ id: string; freshness: string; state: { severity: number; label: string } }> }>; tiles: Array<{ id: string; value: number; of: number; status: string }> };
    const devices = new Map(live.families[0]!.devices.map((d) => [d.id, d]));
    expect(devices.get(silent)).toMatchObject({ freshness: 'silent', state: { severity: 0 } });
    expect(devices.get(heard)).toMatchObject({ freshness: 'fresh', state: { severity: 0 } });
    const tiles = (await (await fetch(`${httpUrl}/api/v1/live`)).json()) as { tiles: Array<{ id: string; value: number; of: number }> };
    expect(tiles.tiles.find((t) => t.id === 'sections')).toMatchObject({ value: 1, of: 9 });

    const page = await context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${httpUrl}/`);
    await waitFor(page, loaded, 30_000);
    expect(await page.evaluate("document.querySelector('.tile[data-tile=\"sections\"]').dataset.value")).toBe('1');
    const verdict = (id: string) => page.evaluate(`document.querySelector('#water .row[data-device="${id}"] .value').textContent`);
    expect(await verdict(heard)).toBe('达标');
    expect(await verdict(silent)).toBe('—');
    await page.close();
  });
});
