import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { defaultFleetKey } from '../../services/config.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { hashDeviceSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { backfill } from '../../simulators/backfill.ts';
import { connectStation, parseStationUrl } from '../../simulators/hj212-client.ts';
import { stationIds, writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { waitFor as waitForPage } from './wall-checks.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const artifacts = 'tests/artifacts';
const dayMs = 86_400_000;
const day = Date.parse('2025-03-10T00:00:00+08:00');
const at = (clock: string) => Date.parse(`2025-03-10T${clock}:00+08:00`);
const officer = 'officer-wang-fang-0123456789abcdef';
const mn = '010000A8900016F000169DC0';
// A second analyser at the Guiyuan station (the same site): a site mark reaches both.
const secondId = 'air-guiyuan-b';

// The review page waits on the rollups' recomputation: longer than the wall's default.
const waitFor = (page: Page, expression: string, timeoutMs = 30_000) => waitForPage(page, expression, timeoutMs);

/**
 * Issue 22 item 1 on the screen, the parts the first review-page test does not reach: an HJ 212
 * station's flags, sent as real frames over TCP (a real-time reading and the station's own hour
 * value, both flagged C, and a reading over the range, T), drawn as marks of their own with their
 * meaning, apart from officers' and suggested marks; and one mark for every device of a site,
 * taken from the page, reaching both analysers of the station. Debian's Chromium, a real platform,
 * real influxd, its rollups running.
 */
describe('the review page: instrument flags and site marks', () => {
  let test: TestPlatform;
  let browser: TestBrowser;
  let dir: string;
  const problems: string[] = [];

  const marksOf = async (device: string) => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks?device=${device}`);
    return ((await response.json()) as { marks: Array<{ id: string; site: string | null; devices: string[]; reason: string; fromMs: number; toMs: number; inForce: boolean }> }).marks;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-review-flags-'));
    const registryFile = await writeStationRegistry(dir);
    const file = JSON.parse(await readFile(registryFile, 'utf8')) as RegistryFile;
    const station = file.devices.find((device) => device.id === stationIds.air)!;
    const { hj212: _station, ...plain } = station;
    file.devices.push({ ...plain, id: secondId, secretHash: hashDeviceSecret(simulatedDeviceSecret(defaultFleetKey, secondId)) });
    await writeFile(registryFile, JSON.stringify(file));
    test = await startTestPlatform({
      registryFile,
      hj212: { port: 0 },
      ingest: { maxAgeMs: 10 * 365 * dayMs },
      rollups: { enabled: true, intervalMs: 300 },
      http: { tokens: [{ role: 'officer', name: 'wang.fang', token: officer }] },
    });
    expect(test.config.fleetKey).toBe(defaultFleetKey);
    const devices = [test.platform.registry.device(stationIds.air)!, test.platform.registry.device(secondId)!];
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, fromMs: day, toMs: day + dayMs, seed: 11 });
    // The station's logger, over TCP: its hour value for 14:00-15:00 and a reading at 15:01 taken
    // during calibration (C), and a PM10 reading above the analyser's range (T).
    const connection = await connectStation(parseStationUrl(test.endpoints.hj212Url!));
    const frames = [
      `QN=20250310150000001;ST=22;CN=2061;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20250310140000;a34004-Avg=151.0,a34004-Flag=C;a34002-Avg=88,a34002-Flag=N&&`,
      `QN=20250310150130001;ST=22;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20250310150100;a34004-Rtd=180.0,a34004-Flag=C;a34002-Rtd=600,a34002-Flag=T&&`,
    ];
    for (const frame of frames) {
      connection.send(encodeFrame(frame));
      expect(await connection.nextReply()).toMatch(/CN=9014/);
    }
    await connection.close();
    for (let attempt = 0; ; attempt += 1) {
      const series = await test.platform.influx.query(`SELECT count("pm25_ugm3_flag") FROM "air_quality_hj212" WHERE "device" = '${stationIds.air}'`);
      const rtd = await test.platform.influx.query(`SELECT count("pm25_ugm3_flag") FROM "air_quality" WHERE "device" = '${stationIds.air}'`);
      if ((series[0]?.values[0]?.[1] ?? 0) === 1 && (rtd[0]?.values[0]?.[1] ?? 0) === 1) break;
      if (attempt > 200) throw new Error('the HJ 212 values were not stored');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day, day + dayMs);
    browser = await launchChromium();
    await mkdir(artifacts, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await test?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openDay(device: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1500, height: 1300 });
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${test.endpoints.httpUrl}/review`);
    await page.fill('#token', officer);
    await page.click('#token-form button');
    await waitFor(page, "!document.getElementById('work').hidden");
    await page.selectOption('#device', device);
    await page.fill('#from-date', '2025-03-10');
    await page.fill('#to-date', '2025-03-10');
    await page.click('#pick button[type="submit"]');
    await waitFor(page, "document.querySelectorAll('#review-chart .panel').length >= 6");
    return page;
  }

  it('draws the station’s flags as marks of their own, with their meaning, apart from suggested and officers’ marks', async () => {
    const page = await openDay(stationIds.air);
    const pm25 = page.locator('#review-chart .panel[data-field="pm25_ugm3"]');
    // The hour value's flag spans its hour (14:00-15:00); the real-time one its reading.
    const hour = pm25.locator('.flag.flag-C.invalid[data-interval="hour"]');
    expect(await hour.count()).toBe(1);
    expect(await pm25.locator('.flag.flag-C.invalid[data-interval="rtd"]').count()).toBe(1);
    const strip = (await hour.locator('.flag-strip').boundingBox())!;
    const hit = (await page.locator('#review-chart .hit').boundingBox())!;
    expect(strip.width).toBeGreaterThan(hit.width / 24 - 3);
    expect(strip.width).toBeLessThan(hit.width / 24 + 3);
    expect(await hour.locator('title').textContent()).toMatch(/14:00 – 2025-03-10 15:00 · pm25_ugm3 · 小时值 · C 校准 · 仪器判为无效 · 151/);
    // Over the range: drawn as suspect, its value still counted.
    const suspect = page.locator('#review-chart .panel[data-field="pm10_ugm3"] .flag.flag-T.suspect');
    expect(await suspect.count()).toBe(1);
    expect(await suspect.locator('title').textContent()).toMatch(/超测定上限 · 可疑/);
    expect(await page.textContent('#flag-legend')).toMatch(/C 校准 \(仪器判为无效\) × 2[^]*T 超测定上限 \(可疑（仍计入）\) × 1/);
    // Distinct from the suggestions they lead to (a suggested mark's band) and from officers' marks.
    expect(await page.locator('#review-chart .flag .mark-band').count()).toBe(0);
    expect(await page.locator('#review-chart .mark-band.suggested[data-field="pm25_ugm3"]').count()).toBe(2);
    const suggested = await page.locator('#marks tr.suggested').allTextContents();
    expect(suggested.some((row) => /14:00 – 2025-03-10 15:00/.test(row) && /校准/.test(row))).toBe(true);
    await page.click('#language');
    expect(await page.textContent('#flag-legend')).toMatch(/C calibration \(invalid by the instrument\) × 2/);
    await page.click('#language');
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('marks every device of the station at once from the page, or this device only', async () => {
    const page = await openDay(stationIds.air);
    expect(await page.textContent('#scope-site')).toContain(`2 台 (${stationIds.air}, ${secondId})`);
    expect(await page.isChecked('#scope input[value="device"]')).toBe(true);
    await page.check('#scope input[value="site"]');
    await page.fill('#sel-from', '2025-03-10T09:00');
    await page.fill('#sel-to', '2025-03-10T11:00');
    await page.selectOption('#reason', 'power');
    await page.fill('#comment', '站房停电');
    await page.click('#mark-button');
    await waitFor(page, "document.querySelectorAll('#marks tr.in-force').length === 1", 60_000);
    const [siteMark] = await marksOf(secondId);
    expect(siteMark).toMatchObject({ site: 'aqs-guiyuan', devices: [stationIds.air, secondId], reason: 'power', fromMs: at('09:00'), toMs: at('11:00'), inForce: true });
    expect((await marksOf(stationIds.air)).map((mark) => mark.id)).toEqual([siteMark!.id]);
    expect(await page.textContent('#marks tr.in-force')).toMatch(/站点 aqs-guiyuan \(2 台\)/);
    // The other analyser's day moves too: 22 valid hours of 24.
    // The page itself watches for a minute, each reload taking what it takes on a crowded machine
    // (the whole suite in parallel took over 60 s here): wait for its verdict longer than that.
    await waitFor(page, "/已重新计算|日数据未变化/.test(document.getElementById('message').textContent)", 150_000);
    const second = await openDay(secondId);
    expect(await second.locator(`#review-chart .mark-band.in-force[data-id="${siteMark!.id}"]`).count()).toBeGreaterThanOrEqual(6);
    // Its day is recomputed on its own schedule, after the first device's: the page shows the day
    // as it was when loaded, so it is asked again until the rollup has caught up (or 150 s pass).
    const validHours = "document.querySelector('#days td[data-field=\"valid_hours\"]')?.textContent ?? ''";
    for (const until = Date.now() + 150_000; !/^22 /.test(await second.evaluate(validHours)) && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await second.click('#pick button[type="submit"]');
      await waitFor(second, "document.querySelectorAll('#review-chart .panel').length >= 6");
    }
    expect(await second.evaluate(validHours)).toMatch(/^22 /);
    await second.close();

    // This device only: the other analyser keeps just the site mark.
    await page.check('#scope input[value="device"]');
    await page.fill('#sel-from', '2025-03-10T20:00');
    await page.fill('#sel-to', '2025-03-10T21:00');
    await page.selectOption('#reason', 'maintenance');
    await page.click('#mark-button');
    await waitFor(page, "document.querySelectorAll('#marks tr.in-force').length === 2", 60_000);
    const own = (await marksOf(stationIds.air)).find((mark) => mark.reason === 'maintenance')!;
    expect(own).toMatchObject({ site: null, devices: [stationIds.air] });
    expect((await marksOf(secondId)).map((mark) => mark.id)).toEqual([siteMark!.id]);
    await page.screenshot({ path: join(artifacts, 'review-flags-site.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 360_000);
});
