import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { pageRecordingErrors } from '../helpers/error-recording-page.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { spawnPlatform, type SpawnedPlatform } from '../helpers/spawned-platform.ts';
import { connectSeedDevice } from '../helpers/seed-device.ts';
import { openInLanguage } from '../helpers/wall-language.ts';
import { clippingProblems, waitFor } from './wall-checks.ts';

const artifacts = 'tests/artifacts';
const cjk = /[\u3400-\u9fff]/;
const loaded = "document.querySelectorAll('#air .row[data-device]').length === 10 && document.querySelectorAll('#generic-tabs .tab').length > 0 && document.getElementById('link').classList.contains('up')";

/**
 * Issue 25, item 3: families without a hand-written panel (waterlogging, EV charging, VOC) are drawn
 * by the generic panel from what /api/v1/live takes from their modules, in Debian's Chromium against
 * the platform as `npm start` runs it (simulated district): tabs with open-alarm counts, each
 * device's reading with its unit and state, a map legend entry, the alarm filter, nothing clipped.
 */
describe('the generic family panel (issue 25)', () => {
  let platform: SpawnedPlatform;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;
  const problems: string[] = [];
  const clients: MqttClient[] = [];

  const openPage = async (width: number, height: number, language: 'zh' | 'en'): Promise<Page> => {
    const page = await pageRecordingErrors(context, width, height, problems, true);
    await openInLanguage(page, `${platform.httpUrl}/`, language, loaded);
    return page;
  };
  const device = async (id: string) => {
    const client = await connectSeedDevice(platform.mqttUrl, id, 'generic');
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    platform = await spawnPlatform(inject('influxUrl'));
    browser = await launchChromium();
    context = browser.context;
  });
  afterEach(async () => {
    for (const page of context?.pages() ?? []) await page.close().catch(() => undefined);
  });
  afterAll(async () => {
    for (const client of clients) await client.endAsync().catch(() => undefined);
    await browser?.close();
    if (platform) expect(await platform.stop()).toBe(0);
  });

  it('the live API carries each new family with its presentation from the module', async () => {
    const live = (await (await fetch(`${platform.httpUrl}/api/v1/live`)).json()) as { families: Array<{ family: string; units: Record<string, string>; presentation: { label: { zh: string }; codes: Record<string, string[]> } | null; devices: unknown[] }> };
    const byId = new Map(live.families.map((group) => [group.family, group]));
    expect(byId.get('waterlogging')?.presentation?.label.zh).toBe('内涝积水与雨量');
    expect(byId.get('waterlogging')?.units).toMatchObject({ depth: 'cm', rainfall: 'mm' });
    expect(byId.get('ev_charging')?.presentation?.codes.state).toEqual(['idle', 'charging', 'fault', 'offline']);
    expect(byId.get('ev_charging')?.devices.length).toBe(24);
    expect(byId.get('air')?.presentation).toBeNull();
  });

  it('draws each family in tabs, a depth with its unit and state, and counts its alarm on the tab', async () => {
    const page = await openPage(1920, 1080, 'zh');
    const tabs = (await page.evaluate("[...document.querySelectorAll('#generic-tabs .tab')].map((e) => e.dataset.family)")) as string[];
    expect(tabs).toEqual(expect.arrayContaining(['voc', 'waterlogging', 'ev_charging']));
    expect(tabs).not.toContain('air');
    await page.click('#generic-tabs .tab[data-family="waterlogging"]');
    await waitFor(page, "document.getElementById('generic-panel').dataset.family === 'waterlogging' && document.querySelectorAll('#generic .row[data-device]').length === 18");

    // Two readings at 35.5 cm (the impassable rule debounces 2), stamped now, in one message: sent
    // apart, a simulator reading between them (a loaded CI machine) reset the count. The wall shows
    // the latest reading received, so the simulator's next one takes their place in the row: what is
    // checked is what stays, the alarm (held 15 min): on the tab's count, in the API with its depth,
    // and on the row, which heads the list with the other critical ones (worst first).
    const id = 'waterlogging-wenjin-school';
    const client = await device(id);
    const ts = Date.now();
    await client.publishAsync(`luohu/v1/waterlogging/${id}/telemetry`, JSON.stringify([-1_000, 0].map((offset) => ({ ts: ts + offset, depth: 35.5 }))), { qos: 1 });
    const row = `document.querySelector('#generic .row[data-device="${id}"]')`;
    await waitFor(page, `${row}?.dataset.alarm === 'critical'`, 20_000);
    expect(await page.evaluate("Number(document.querySelector('#generic-tabs .tab[data-family=\"waterlogging\"] .count')?.textContent)")).toBeGreaterThanOrEqual(1);
    const alarms = (await (await fetch(`${platform.httpUrl}/api/v1/alarms?state=open`)).json()) as { alarms: Array<{ deviceId: string; ruleId: string; textZh: string }> };
    const alarm = alarms.alarms.find((a) => a.deviceId === id && a.ruleId === 'waterlogging-impassable');
    expect(alarm?.textZh).toContain('35.5厘米');
    expect(await page.evaluate(`${row}.classList.contains('alarming') && ${row}.querySelector('.alarm-flag') !== null`)).toBe(true);
    // Its depth with its unit, and its state by the module's label (whichever reading is the latest).
    // The alarm is on the wall at once, the reading with the stream's next frame of readings: wait for it.
    await waitFor(page, `/^\\d+(\\.\\d+)? cm$/.test(${row}.querySelector('.value').textContent)`, 20_000);
    expect(await page.evaluate(`${row}.querySelector('.badge').textContent`)).toMatch(/^[\u3400-\u9fff]+$/);
    const above = (await page.evaluate(`(() => { const rows = [...document.querySelectorAll('#generic .row[data-device]')]; return rows.slice(0, rows.indexOf(${row})).map((r) => r.dataset.alarm ?? null); })()`)) as Array<string | null>;
    expect(above.filter((severity) => severity !== 'critical')).toEqual([]);
    // A row in no alarm carries no data-alarm at all (it read "undefined").
    expect(await page.evaluate("[...document.querySelectorAll('#generic .row[data-device]')].filter((r) => r.getAttribute('data-alarm') === 'undefined').length")).toBe(0);

    // The map's legend names the family by its module's label, and the alarm filter offers it.
    expect(await page.evaluate("document.querySelector('#map-legend [data-family=\"waterlogging\"]')?.textContent")).toBe('内涝');
    expect(await page.evaluate("[...document.querySelectorAll('#f-family option')].map((o) => o.value)")).toEqual(expect.arrayContaining(['waterlogging', 'ev_charging']));
    await page.screenshot({ path: join(artifacts, 'screen-wall-generic.png') });
    expect(problems).toEqual([]);
  });

  for (const language of ['zh', 'en'] as const) {
    it(`1920×1080 ${language}: each family's tab fits without clipping or truncation`, async () => {
      const page = await openPage(1920, 1080, language);
      const size = (await page.evaluate('({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth })')) as { h: number; w: number };
      expect(size.h).toBeLessThanOrEqual(1080);
      expect(size.w).toBeLessThanOrEqual(1920);
      for (const family of ['voc', 'waterlogging', 'ev_charging']) {
        await page.click(`#generic-tabs .tab[data-family="${family}"]`);
        await waitFor(page, `document.getElementById('generic-panel').dataset.family === '${family}' && document.querySelectorAll('#generic .row[data-device]').length > 0`);
        expect(await page.evaluate(clippingProblems), family).toEqual([]);
        if (language === 'en') expect((await page.evaluate("document.getElementById('generic-panel').innerText")) as string).not.toMatch(cjk);
      }
      expect(problems).toEqual([]);
    });
  }
});
