import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTags } from '../../services/registry/device-tags.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';
import { backfill } from '../../simulators/backfill.ts';
import { waitFor as waitForPage } from './wall-checks.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const artifacts = 'tests/artifacts';
const dayMs = 86_400_000;
const minute = 60_000;
const day = Date.parse('2025-03-10T00:00:00+08:00');
const at = (clock: string) => Date.parse(`2025-03-10T${clock}:00+08:00`);
const tokens = { officer: 'officer-li-na-0123456789abcdef', operator: 'operator-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };

// The review page waits on the rollups' recomputation: longer than the wall's default.
const waitFor = (page: Page, expression: string, timeoutMs = 30_000) => waitForPage(page, expression, timeoutMs);

interface ListedMark { id: string; fromMs: number; toMs: number; fields: string[]; reason: string; inForce: boolean; comment: string; by: string }

/**
 * The officer's review page (issue 22 item 1) in Debian's Chromium against a real platform with its
 * rollups running: an officer selects a range on a station's chart with the mouse and marks it, the
 * mark is stored (API) and drawn, the day's figures move beside their values before review; an
 * instrument's HJ 212 calibration flags are drawn and their suggestion is confirmed with one action;
 * a period typed from the keyboard is marked; a mark is revoked from the view. A reader or an
 * operator gets no view and cannot mark.
 */
describe('the review page', () => {
  let test: TestPlatform;
  let browser: TestBrowser;
  let station: DeviceRecord;
  const problems: string[] = [];

  const api = async (path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  // With a token: an anonymous reader sees who marked by role only (services/people/names-shown.ts).
  const marks = async () => (await api(`/api/v1/review/marks?device=${station.id}`, tokens.reader)).body.marks as ListedMark[];

  beforeAll(async () => {
    test = await startTestPlatform({
      ingest: { maxAgeMs: 10 * 365 * dayMs },
      rollups: { enabled: true, intervalMs: 300 },
      http: { tokens: [{ role: 'officer', name: 'li.na', token: tokens.officer }, { role: 'operator', token: tokens.operator }, { role: 'reader', token: tokens.reader }] },
    });
    station = test.platform.registry.devices.find((device) => device.family === 'air')!;
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: [station], fromMs: day, toMs: day + dayMs, seed: 7 });
    // The analyser's calibration, as its HJ 212 logger flags it (HJ 212-2017 Table 8 C): stored beside, as the HJ 212 door does.
    const flagged = [at('15:01'), at('15:06'), at('15:11')].map((timeMs) => encodePoint({
      measurement: 'air_quality', tags: { ...deviceTags(station), interval: 'rtd' }, fields: [['pm25_ugm3_invalid', 180, 'float'], ['pm25_ugm3_flag', 'C', 'string']], timeMs,
    }));
    await test.platform.influx.write(flagged.join('\n'));
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day, day + dayMs);
    browser = await launchChromium();
    await mkdir(artifacts, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  async function signedIn(token: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1500, height: 1300 });
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' && !/status of 403/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${test.endpoints.httpUrl}/review`);
    await page.fill('#token', token);
    await page.click('#token-form button');
    return page;
  }

  it('gives a reader and an operator no review view and no marks (403)', async () => {
    for (const token of [tokens.reader, tokens.operator]) {
      const page = await signedIn(token);
      await waitFor(page, "document.getElementById('message').textContent.length > 0 && !document.getElementById('message').textContent.includes('…')");
      expect(await page.isVisible('#work')).toBe(false);
      expect(await page.textContent('#message')).toMatch(/审核员|officer/);
      await page.close();
      expect((await api(`/api/v1/review/view?device=${station.id}&from=2025-03-10&to=2025-03-11`, token)).status).toBe(403);
      const refused = await api('/api/v1/review/marks', token, { device: station.id, from: '2025-03-10T10:00', to: '2025-03-10T11:00', reason: 'calibration' });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('WX_ERR_FORBIDDEN');
    }
    expect(await marks()).toEqual([]);
    // Bad questions to the view get coded answers.
    const view = (query: string) => api(`/api/v1/review/view?${query}`, tokens.officer);
    for (const [query, status] of [
      [`device=${station.id}&from=2025-03-01&to=2025-03-09`, 400], // more than 7 days
      [`device=${station.id}&from=2025-03-10&to=2025-03-10`, 400], // empty
      [`device=${station.id}&from=yesterday&to=2025-03-10`, 400],
      ['from=2025-03-10&to=2025-03-11', 400],
      ['device=air-nowhere&from=2025-03-10&to=2025-03-11', 404],
    ] as const) {
      const answer = await view(query);
      expect(answer.status, query).toBe(status);
      expect(answer.body.code, query).toBe(status === 404 ? 'WX_ERR_NOT_FOUND' : 'WX_ERR_INVALID_ARGUMENT');
    }
    // Every family has a view, with its own day figures (no data here: empty, not an error).
    for (const family of ['water', 'noise', 'grid', 'parking', 'voc']) {
      const device = test.platform.registry.devices.find((entry) => entry.family === family)!;
      const answer = await view(`device=${device.id}&from=2025-03-10&to=2025-03-12`);
      expect(answer.status, family).toBe(200);
      expect(answer.body, family).toMatchObject({ device: { id: device.id, family }, readings: { times: [], flags: [] }, marks: [], suggestions: [] });
      expect((answer.body.reasons as unknown[]).length).toBe(6);
    }
  }, 60_000);

  it('lets an officer select a range on the chart with the mouse, mark it, and see it drawn and the day recomputed', async () => {
    const page = await signedIn(tokens.officer);
    await waitFor(page, "!document.getElementById('work').hidden");
    expect(await page.textContent('#who')).toContain('li.na · officer');
    await page.selectOption('#device', station.id);
    await page.fill('#from-date', '2025-03-10');
    await page.fill('#to-date', '2025-03-10');
    await page.click('#pick button[type="submit"]');
    await waitFor(page, "document.querySelectorAll('#review-chart .panel').length >= 6");
    // The instrument's flags are drawn on the PM2.5 panel, and suggest a calibration mark.
    expect(await page.locator('#review-chart .panel[data-field="pm25_ugm3"] .flag-C').count()).toBe(3);
    expect(await page.locator('#review-chart .mark-band.suggested').count()).toBeGreaterThan(0);
    expect(await page.textContent('#marks tr.suggested')).toMatch(/校准|calibration/);
    expect(await page.textContent('#days')).toMatch(/valid_hours[^]*2025-03-10[^]*24/);

    // Drag from 10:00 to 12:00 across the chart (the hit area spans the day).
    const box = (await page.locator('#review-chart .hit').boundingBox())!;
    const xOf = (ms: number) => box.x + ((ms - day) / dayMs) * box.width;
    await page.mouse.move(xOf(at('10:00')), box.y + 40);
    await page.mouse.down();
    await page.mouse.move(xOf(at('11:00')), box.y + 60, { steps: 5 });
    await page.mouse.move(xOf(at('12:00')), box.y + 80, { steps: 5 });
    await page.mouse.up();
    const typedFrom = Date.parse(`${await page.inputValue('#sel-from')}:00+08:00`);
    const typedTo = Date.parse(`${await page.inputValue('#sel-to')}:00+08:00`);
    expect(Math.abs(typedFrom - at('10:00'))).toBeLessThanOrEqual(3 * minute);
    expect(Math.abs(typedTo - at('12:00'))).toBeLessThanOrEqual(3 * minute);
    expect(await page.isVisible('#review-chart .selection')).toBe(true);

    await page.selectOption('#reason', 'calibration');
    await page.fill('#comment', '月度零点/跨度校准');
    await page.click('#mark-button');
    await waitFor(page, "document.querySelectorAll('#marks tr.in-force').length === 1");
    // Stored, by the officer's name, with the range selected.
    const [stored] = await marks();
    expect(stored).toMatchObject({ reason: 'calibration', fields: [], inForce: true, comment: '月度零点/跨度校准', by: 'officer:li.na', fromMs: typedFrom, toMs: typedTo });
    // Drawn over every panel, the marked hours' readings gone from the day: 22 valid hours of 24.
    expect(await page.locator(`#review-chart .mark-band.in-force[data-id="${stored!.id}"]`).count()).toBeGreaterThanOrEqual(6);
    await waitFor(page, "document.querySelector('#days td.moved[data-field=\"valid_hours\"]') !== null", 60_000);
    expect(await page.textContent('#days td[data-field="valid_hours"]')).toMatch(/^22 \((审核前|Before review) 24\)$/);
    // The recompute waits its turn behind the rollup engine's own runs (at start: today and yesterday), slow on a loaded machine.
    await waitFor(page, "/已重新计算|Recomputed/.test(document.getElementById('message').textContent)", 120_000);
    await page.screenshot({ path: join(artifacts, 'review-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('confirms a suggested mark with one action, marks a typed period of one field, and revokes a mark', async () => {
    const page = await signedIn(tokens.officer);
    await waitFor(page, "!document.getElementById('work').hidden");
    await page.selectOption('#device', station.id);
    await page.fill('#from-date', '2025-03-10');
    await page.fill('#to-date', '2025-03-10');
    await page.click('#pick button[type="submit"]');
    await waitFor(page, "document.querySelectorAll('#marks tr.suggested').length > 0 && document.querySelectorAll('#marks tr.in-force').length === 1");

    await page.click('#marks tr.suggested button.confirm');
    await waitFor(page, "document.querySelectorAll('#marks tr.in-force').length === 2", 60_000);
    const confirmed = (await marks()).find((mark) => mark.fields.length === 1)!;
    expect(confirmed).toMatchObject({ reason: 'calibration', fields: ['pm25_ugm3'], fromMs: at('15:01'), inForce: true });
    expect(confirmed.comment).toMatch(/HJ 212/);
    // Taken: no longer a suggestion.
    expect(await page.locator('#marks tr.suggested').count()).toBe(0);
    // The recompute waits its turn behind the rollup engine's own runs (at start: today and yesterday), slow on a loaded machine.
    await waitFor(page, "/已重新计算|Recomputed/.test(document.getElementById('message').textContent)", 120_000);

    // From the keyboard: a typed period and one field.
    await page.fill('#sel-from', '2025-03-10T20:00');
    await page.fill('#sel-to', '2025-03-10T21:00');
    await page.locator('#field-boxes input[value="pm10_ugm3"]').check();
    expect(await page.isChecked('#all-fields')).toBe(false);
    await page.selectOption('#reason', 'maintenance');
    await page.fill('#comment', 'PM10 切割器清洗');
    await page.focus('#comment');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitFor(page, "document.querySelectorAll('#marks tr.in-force').length === 3", 60_000);
    const typed = (await marks()).find((mark) => mark.reason === 'maintenance')!;
    expect(typed).toMatchObject({ fields: ['pm10_ugm3'], fromMs: at('20:00'), toMs: at('21:00'), inForce: true });
    expect(await page.locator(`#review-chart .mark-band.in-force[data-id="${typed.id}"]`).count()).toBe(1);
    // The recompute waits its turn behind the rollup engine's own runs (at start: today and yesterday), slow on a loaded machine.
    await waitFor(page, "/已重新计算|Recomputed/.test(document.getElementById('message').textContent)", 120_000);

    // Revoked from the view, with the reason why; drawn as revoked.
    const first = (await marks()).find((mark) => mark.reason === 'calibration' && mark.fields.length === 0)!;
    const row = page.locator(`#marks tr[data-id="${first.id}"]`);
    await row.locator('.revoke-comment').fill('校准在另一台仪器上');
    await row.locator('button.revoke').click();
    await waitFor(page, `document.querySelector('#marks tr[data-id="${first.id}"]')?.classList.contains('revoked') === true`, 60_000);
    expect((await marks()).find((mark) => mark.id === first.id)!.inForce).toBe(false);
    expect(await page.locator(`#review-chart .mark-band.revoked[data-id="${first.id}"]`).count()).toBeGreaterThan(0);
    // The day's figures go back: 24 valid hours again (the reload follows the rollup engine's next run).
    await waitFor(page, "/^24 /.test(document.querySelector('#days td[data-field=\"valid_hours\"]').textContent)", 60_000);
    await page.click('#language');
    expect(await page.textContent('h1')).toBe('Data review');
    expect(await page.textContent('#message')).toMatch(/^(Recomputed|No day figure changed)/);
    await page.screenshot({ path: join(artifacts, 'review-page-en.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);
});
