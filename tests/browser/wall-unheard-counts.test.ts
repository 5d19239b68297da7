import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.getElementById('link').classList.contains('up')";
interface Tile { id: string; status: string }

/**
 * The wall's truth when nothing is heard: a live count over no device says nothing of now. With
 * every transformer and noise monitor silent (a SCADA link down; a platform started on an empty
 * database) the tiles read "0 / 45 台 · 当前 达标" and "0 / 7 条道路 · 当前 达标": a verdict
 * without data. They say 数据不足 until a device of theirs is heard, then count as before.
 */
describe('a live count over no device heard is no verdict (chromium)', () => {
  let test: TestPlatform;
  let browser: TestBrowser | undefined;
  let page: Page;

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

  const status = (id: string) => page.evaluate(`document.querySelector('.tile[data-tile="${id}"]').dataset.status`);

  it('says 数据不足 on the heavy-load, noise and sections tiles with none heard, and 达标 once one transformer is', async () => {
    for (const id of ['heavy-load', 'noise', 'sections']) expect(await status(id), id).toBe('insufficient data');
    expect(await page.evaluate(`document.querySelector('.tile[data-tile="heavy-load"] .status').textContent`)).toBe('当前 数据不足');
    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live`)).json()) as { tiles: Tile[] };
    for (const id of ['heavy-load', 'noise', 'sections']) expect(live.tiles.find((tile) => tile.id === id)!.status, id).toBe('insufficient data');

    const transformer = test.device('grid-buxin-t1');
    const client = await test.connect(transformer);
    await client.publishAsync(test.topics.build('grid', transformer.id, 'telemetry'), JSON.stringify({ activePower: 100, reactivePower: 20 }), { qos: 1 });
    await waitFor(page, `document.querySelector('.tile[data-tile="heavy-load"]').dataset.status === 'met'`);
    expect(await status('noise')).toBe('insufficient data');
  });
});
