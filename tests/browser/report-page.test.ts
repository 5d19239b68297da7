import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthlyPm25Chart } from '../../services/reports/report-charts.ts';
import { backfill } from '../../simulators/backfill.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const artifacts = 'tests/artifacts';
const dayMs = 86_400_000;
const at = (text: string) => Date.parse(`${text}T00:00:00+08:00`);

/** Pages of a PDF Chromium wrote, each with its MediaBox (Skia writes page dictionaries uncompressed). */
function pdfPages(pdf: Buffer): Array<{ width: number; height: number }> {
  const text = pdf.toString('latin1');
  return [...text.matchAll(/\/Type\s*\/Page\b(?!s)[^]*?\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((match) => ({ width: Math.round(Number(match[1])), height: Math.round(Number(match[2])) }));
}

// Issue 22 item 3: the printable page /report?period=2025, printed to PDF in Debian's Chromium.
describe('the printable report page', () => {
  let test: TestPlatform;
  let browser: TestBrowser;

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    const devices = test.platform.registry.devices;
    const connection = { url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics };
    await backfill({ ...connection, devices: devices.filter((device) => device.family === 'air').slice(0, 6), fromMs: at('2025-03-01'), toMs: at('2025-03-05'), seed: 3 });
    await backfill({ ...connection, devices: devices.filter((device) => device.family === 'water'), fromMs: at('2025-02-01'), toMs: at('2025-04-01'), seed: 4 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(at('2025-02-01'), at('2025-04-01'));
    browser = await launchChromium();
    await mkdir(artifacts, { recursive: true });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  for (const lang of ['zh', 'en'] as const) {
    it(`prints ${lang} to A4 pages with its tables and charts, portrait and landscape`, async () => {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
      const response = await page.goto(`${test.endpoints.httpUrl}/report?period=2025&lang=${lang}`, { timeout: 240_000 });
      expect(response?.status()).toBe(200);
      await page.emulateMedia({ media: 'print' });
      const text = await page.locator('body').innerText();
      const expected = lang === 'zh'
        ? ['生态环境质量报告 · 2025年', '月均PM₂.₅浓度与年度目标（20 µg/m³）', '全区逐日空气质量类别', '环境空气质量日报 · 2025-03-04', '断面逐月水质类别', '地表水断面水质月报', '环境空气质量综合指数排名', '2025年规划目标完成情况（逐月）', '编制单位：深圳市生态环境局罗湖管理局', '（北京时间）']
        : ['Environmental quality report · 2025', 'Monthly PM₂.₅ against the annual target (20 µg/m³)', 'Daily air-quality report · 2025-03-04', 'Section × month water class', 'Ranking by the ambient-air composite index', 'Compiled by: Luohu Bureau of the Shenzhen Ecology and Environment Bureau', '(Beijing time)'];
      for (const phrase of expected) expect(text, phrase).toContain(phrase);
      if (lang === 'en') expect(text).not.toMatch(/生成|编制|断面|类别/);
      // The figures on the page are the workbook's (the same tables): the district's AQI of 4 March.
      const aqi = ((await (await fetch(`${test.endpoints.httpUrl}/api/v1/aqi?station=district&from=2025-03-04&to=2025-03-05`)).json()) as { points: Array<{ aqi: number }> }).points[0]!.aqi;
      expect(await page.locator('#daily tbody tr').first().innerText()).toContain(String(aqi));
      expect(await page.locator('#calendar td[title^="2025-03-04"]').innerText()).toBe(String(aqi));
      expect(await page.locator('#matrix tbody tr').count()).toBe(test.platform.registry.devices.filter((device) => device.family === 'water').length);
      // Every wide table fits its landscape page (A4 less 12 mm margins: 273 mm, 1032 CSS px): one wider
      // than the page is cut at its right edge in the PDF (the English plan table lost Period and Status).
      await page.setViewportSize({ width: 1032, height: 1400 });
      const overflowing = await page.evaluate<string[]>(`[...document.querySelectorAll('section.wide table')]
        .filter((table) => table.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((table) => table.closest('section').id + ' ' + Math.round(table.getBoundingClientRect().width))`);
      expect(overflowing).toEqual([]);
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      await writeFile(join(artifacts, `report-2025-${lang}.pdf`), pdf);
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const pages = pdfPages(pdf);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      // A4 is 595 × 842 pt: portrait for the first pages, landscape for the wide tables.
      expect(pages[0]).toEqual({ width: 595, height: 842 });
      expect(pages.some((p) => p.width === 842 && p.height === 595)).toBe(true);
      // Issue 22 item 5: the signature block is not a page of its own: without it the PDF has as many pages.
      expect(await page.locator('section:last-of-type footer.signature').count()).toBe(1);
      await page.screenshot({ path: join(artifacts, `report-2025-${lang}-print.png`), fullPage: true });
      const hidden = await page.addStyleTag({ content: 'footer.signature { display: none }' });
      expect(pdfPages(await page.pdf({ preferCSSPageSize: true, printBackground: true })).length).toBe(pages.length);
      await hidden.evaluate((style) => style.remove());
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1200, height: 1600 });
      await page.screenshot({ path: join(artifacts, `report-2025-${lang}.png`), fullPage: false });
      expect(problems).toEqual([]);
      await page.close();
    }, 300_000);
  }

  it('draws the PM2.5 target’s label where no bar covers it, with November and December over the target', async () => {
    // Issue 22 item 5: "目标 20 µg/m³" sat at the limit line's right end, behind the red November and December bars.
    const page = await browser.context.newPage();
    const months = [24, 22, 18, 15, 12, 10, 9, 11, 14, 19, 27, 31];
    await page.setContent(`<!doctype html><body style="margin:0">${monthlyPm25Chart(months, 20, 'zh')}</body>`);
    type Box = { x: number; y: number; right: number; bottom: number };
    // In the page (no DOM types here): each element's box in the SVG's own units.
    const boxes = await page.evaluate<{ label: Box; bars: Box[]; labels: Box[] }>(`(() => {
      const box = (element) => { const b = element.getBBox(); return { x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height }; };
      const texts = [...document.querySelectorAll('text')];
      const label = texts.find((text) => text.textContent.startsWith('目标'));
      return { label: box(label), bars: [...document.querySelectorAll('rect')].map(box), labels: texts.filter((text) => text !== label).map(box) };
    })()`);
    const overlaps = (a: Box, b: Box) => a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom;
    expect(boxes.bars).toHaveLength(12);
    for (const bar of boxes.bars) expect(overlaps(boxes.label, bar), JSON.stringify(bar)).toBe(false);
    for (const text of boxes.labels) expect(overlaps(boxes.label, text), JSON.stringify(text)).toBe(false);
    await page.locator('svg').screenshot({ path: join(artifacts, 'pm25-chart-zh.png') });
    await page.close();
  });

  it('refuses a bad period or language with a coded error', async () => {
    for (const query of ['period=someday', 'period=2025&lang=fr']) {
      const response = await fetch(`${test.endpoints.httpUrl}/report?${query}`);
      expect(response.status, query).toBe(400);
    }
  });
});
