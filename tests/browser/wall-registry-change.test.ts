import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFileLock } from '../../services/file-lock.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { saveRegistryFile } from '../../services/registry/registry-file.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const admin = 'admin-token-wall-registry-0123456789';
const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.getElementById('link').classList.contains('up')";
interface LiveDevice { id: string; values: Record<string, number>; state: { label: string } }
interface LiveAnswer { families: Array<{ family: string; devices: LiveDevice[] }> }

/**
 * The wall's truth after a registry change, with the page left open: a disabled station left its
 * row (AQI and all, as if live) on the wall, and the online tile read 147 / 147 under a target of
 * ≥ 146, until the page's 2-minute refetch; a section whose target class was raised kept its old
 * verdict until its next sample (4 hours for a section); a device moved to another family kept its
 * old family's reading and state in /api/v1/live. A change is on the wall within seconds now.
 */
describe('a registry change on an open wall (chromium)', () => {
  let test: TestPlatform;
  let browser: TestBrowser | undefined;
  let page: Page;
  const disabled = 'air-guiyuan';
  const kept = 'air-huangbei';
  const moved = 'air-dongmen';
  const section = 'water-buji-river-mouth';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false }, http: { tokens: [{ role: 'admin', token: admin }] } });
    for (const id of [disabled, kept, moved]) {
      const client = await test.connect(test.device(id));
      await client.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: 30, pm10: 30, o3: 60, no2: 20, so2: 5, co: 0.5 }), { qos: 1 });
    }
    const water = await test.connect(test.device(section));
    // A Class III sample (GB 3838-2002 Table 1): meets the section's target IV, not a target of II.
    await water.publishAsync(test.topics.build('water', section, 'telemetry'), JSON.stringify({ ph: 7.2, do: 6, codmn: 5, nh3n: 0.8, tp: 0.15 }), { qos: 1 });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${test.endpoints.httpUrl}/`);
    await waitFor(page, loaded, 30_000);
    await waitFor(page, `document.querySelector('#air .row[data-device="${disabled}"] .badge')?.textContent === '43' && document.querySelector('#water .row[data-device="${section}"] .value')?.textContent === '达标'`);
  });
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  const tile = (name: string) => page.evaluate(`JSON.stringify(document.querySelector('.tile[data-tile="${name}"]').dataset)`).then((text) => JSON.parse(text as string) as Record<string, string>);

  it('takes a disabled station off the wall and out of the online count within seconds', async () => {
    const before = await tile('online');
    const answer = await fetch(`${test.endpoints.httpUrl}/api/v1/devices/${disabled}/disable`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(answer.status).toBe(200);
    await waitFor(page, `document.querySelector('#air .row[data-device="${disabled}"]') === null`, 5_000);
    const after = await tile('online');
    expect(Number(after.of)).toBe(Number(before.of) - 1);
    // The count and its target agree: "N / 146" under "≥ 146", not 147 / 147 under it.
    expect(await page.evaluate(`document.querySelector('.tile[data-tile="online"]').innerText.includes('≥ ${after.of}')`)).toBe(true);
    expect(await page.evaluate(`document.querySelector('#air .row[data-device="${kept}"] .badge').textContent`)).toBe('43');
  });

  it('judges a section against the target class it has now, and a device moved to another family by none of its old readings', async () => {
    const path = test.config.registryFile!;
    // What an administrator's edit of the registry file does (the platform's watcher takes it).
    await withFileLock(path, async () => {
      const file = await loadRegistryFile(path);
      const devices = file.devices.map((device): DeviceRecord => {
        if (device.id === section) return { ...device, attributes: { ...device.attributes, targetClass: 'II' } };
        if (device.id === moved) return { ...device, family: 'voc', attributes: { workshop: 'dongmen-test', workshopName: '东门(测试)车间', process: 'casting' } };
        return device;
      });
      await saveRegistryFile(path, { ...file, devices });
    });
    await waitFor(page, `document.querySelector('#water .row[data-device="${section}"] .value')?.textContent === '超标'`, 8_000);
    expect(await page.evaluate(`document.querySelector('#water .row[data-device="${section}"]').innerText.includes('目标 II')`)).toBe(true);
    expect(await page.evaluate(`document.querySelector('#air .row[data-device="${moved}"]') === null`)).toBe(true);
    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live`)).json()) as LiveAnswer;
    const voc = live.families.find((f) => f.family === 'voc')!.devices.find((d) => d.id === moved)!;
    expect(voc.values).toEqual({});
    expect(voc.state.label).toBe('no-data');
  });
});
