import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const hourMs = 3_600_000;

/**
 * The wall's truth in a sparkline: a point is placed by its time in the last 24 hours, and the line
 * breaks where readings are missing. Placed by its index, a station's twelve silent hours were
 * squeezed out and its line joined across them, and a station silent since the morning drew its
 * line to the right edge as if it were current.
 */
describe('wall sparklines show gaps and silence where they are (chromium)', () => {
  let test: TestPlatform;
  let browser: TestBrowser | undefined;
  let page: Page;

  /** A station's readings every 10 minutes over [fromH, toH] hours before now, as one batch. */
  const send = async (id: string, spans: Array<[number, number]>, now: number) => {
    const device = test.device(id);
    const client = await test.connect(device);
    const readings = spans.flatMap(([fromH, toH]) => {
      const out: Array<{ ts: number; pm25: number }> = [];
      for (let t = now - fromH * hourMs; t <= now - toH * hourMs; t += 600_000) out.push({ ts: t, pm25: 30 + (t / 600_000) % 7 });
      return out;
    });
    await client.publishAsync(test.topics.build(device.family, id, 'telemetry'), JSON.stringify(readings), { qos: 1 });
    await client.endAsync();
  };

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    const now = Date.now();
    // Read 23 h to 18 h ago and the last 6 h: twelve hours missing between.
    await send('air-sungang', [[23, 18], [6, 0]], now);
    // Read 20 h to 12 h ago, silent since.
    await send('air-guiyuan', [[20, 12]], now);
    await test.platform.ingest.drain();
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${test.endpoints.httpUrl}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  /** Each line of a station's sparkline as its points' x (0-100 across the 24 hours). */
  const lines = async (id: string): Promise<number[][]> => {
    const selector = `#air .row[data-device="${id}"] svg.spark polyline`;
    await waitFor(page, `document.querySelectorAll('${selector}').length > 0`, 30_000);
    return page.evaluate(`[...document.querySelectorAll('${selector}')].map((line) => line.getAttribute('points').split(' ').map((point) => Number(point.split(',')[0])))`) as Promise<number[][]>;
  };

  it('a station with twelve hours missing draws two lines, each where its hours are', async () => {
    const drawn = await lines('air-sungang');
    expect(drawn).toHaveLength(2);
    const [morning, recent] = drawn as [number[], number[]];
    // 23 h to 18 h ago is 1/24 to 6/24 of the way; the last 6 h is the last quarter (a 15-minute bucket's slack).
    expect(Math.min(...morning)).toBeGreaterThan(2);
    expect(Math.max(...morning)).toBeLessThan(27);
    expect(Math.min(...recent)).toBeGreaterThan(73);
    expect(Math.max(...recent)).toBeGreaterThan(97);
  });

  it('a station silent for twelve hours ends its line half way, not at the right edge', async () => {
    const drawn = await lines('air-guiyuan');
    expect(drawn).toHaveLength(1);
    expect(Math.min(...drawn[0]!)).toBeGreaterThan(15);
    expect(Math.max(...drawn[0]!)).toBeLessThan(52);
  });
});
