import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { spawnPlatform, type SpawnedPlatform } from '../helpers/spawned-platform.ts';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { waitFor } from './wall-checks.ts';

const loaded = "document.querySelectorAll('#tiles .tile[data-tile]').length === 7 && document.querySelectorAll('#air .row[data-device]').length === 10 && document.getElementById('link').classList.contains('up')";

// Before the page's own scripts: every stream event it is sent is noted (what it names, and when),
// ahead of the page's own handler, so each batch of DOM changes can be held against what came.
const recordStream = `(() => {
  window.wxEvents = [];
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'delta' && type !== 'alarm' && type !== 'sync') return add.call(this, type, listener, options);
    return add.call(this, type, (event) => {
      const data = JSON.parse(event.data);
      const ids = type === 'delta' ? data.d.map((item) => item[0]) : type === 'alarm' ? [data.alarm.deviceId] : null;
      window.wxEvents.push({ at: performance.now(), type, ids });
      return listener.call(this, event);
    }, options);
  };
})()`;

// The panels drawn from readings alone (the air and other-sensor rows also take sparklines fetched
// apart, and the other sensors' tabs take turns): which devices' rows or cells each batch of DOM
// changes touched. The bookkeeping of a list entry (data-sig) is not a change of what it shows.
const observeRows = `(() => {
  window.wxBatches = [];
  const panels = ['water', 'grid', 'parking', 'noise'].map((id) => document.getElementById(id));
  const devicesOf = (node) => {
    if (node.nodeType !== 1) return [];
    const own = node.closest('[data-device]');
    return own ? [own.dataset.device] : [...node.querySelectorAll('[data-device]')].map((e) => e.dataset.device);
  };
  const observer = new MutationObserver((records) => {
    const touched = new Set();
    for (const record of records) {
      if (record.type === 'attributes' && record.attributeName === 'data-sig') continue;
      const target = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const nodes = record.type === 'childList' && panels.includes(target) ? [...record.addedNodes, ...record.removedNodes] : [target];
      for (const node of nodes) for (const id of devicesOf(node)) touched.add(id);
    }
    if (touched.size > 0) window.wxBatches.push({ at: performance.now(), ids: [...touched] });
  });
  for (const panel of panels) observer.observe(panel, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;

// Each batch held against the stream: a device it touched must have been named by an event since
// the batch before last (a reading, an alarm), or be late or silent (its age moves with the clock).
const verdict = `(() => {
  const late = new Set([...document.querySelectorAll('[data-device][data-freshness]')].filter((e) => e.dataset.freshness !== 'fresh').map((e) => e.dataset.device));
  const violations = [];
  let since = -Infinity;
  let previous = -Infinity;
  for (const batch of window.wxBatches) {
    const events = window.wxEvents.filter((e) => e.at > since && e.at <= batch.at);
    const named = new Set(events.flatMap((e) => e.ids ?? []));
    const synced = events.some((e) => e.type === 'sync');
    const extra = synced ? [] : batch.ids.filter((id) => !named.has(id) && !late.has(id));
    if (extra.length > 0) violations.push({ touched: batch.ids.length, named: named.size, extra: extra.slice(0, 12) });
    since = previous;
    previous = batch.at;
  }
  return { batches: window.wxBatches.length, touched: window.wxBatches.reduce((n, b) => n + b.ids.length, 0), deltas: window.wxEvents.filter((e) => e.type === 'delta').length, violations };
})()`;

/**
 * Issue 21 item 5 (weight): "the whole screen is rebuilt every ~0.5 s (175 layouts a minute …);
 * updates that touch only what changed". Against the platform as `npm start` runs it (simulated
 * district, every device reporting every 5 s), in Debian's Chromium at 1920×1080: each batch of DOM
 * changes touches only the rows and cells of devices the stream just named, and the page is laid
 * out about once per stream event, counted (CDP Performance LayoutCount), not timed.
 */
describe('the wall touches only what changed (issue 21 item 5)', () => {
  let platform: SpawnedPlatform;
  let browser: TestBrowser | undefined;
  let page: Page;

  beforeAll(async () => {
    platform = await spawnPlatform(inject('influxUrl'));
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.addInitScript(recordStream);
    await page.goto(`${platform.httpUrl}/`);
    await waitFor(page, loaded, 30_000);
    // Every station reporting, seen on the wall: each panel drawn from the stream at least once.
    await waitFor(page, "window.wxEvents.filter((e) => e.type === 'delta').length >= 20", 30_000);
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('changes only the rows and cells of the devices a stream event named, and lays the page out about once an event', async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const layouts = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'LayoutCount')!.value;
    await page.evaluate(observeRows);
    const before = { layouts: await layouts(), events: (await page.evaluate("window.wxEvents.filter((e) => e.type === 'delta').length")) as number };
    // Forty of the stream's delta events: the simulated district's readings over some 20 s.
    await waitFor(page, `window.wxEvents.filter((e) => e.type === 'delta').length >= ${before.events + 40}`, 60_000);
    const laidOut = (await layouts()) - before.layouts;
    const events = ((await page.evaluate("window.wxEvents.filter((e) => e.type === 'delta').length")) as number) - before.events;
    const result = (await page.evaluate(verdict)) as { batches: number; touched: number; deltas: number; violations: unknown[] };
    // The wall did draw the readings (not a quiet page passing by doing nothing)…
    expect(result.batches).toBeGreaterThan(5);
    expect(result.touched).toBeGreaterThan(20);
    // …and only theirs: the whole list was rebuilt at each update (every row of each panel touched).
    expect(result.violations).toEqual([]);
    // One layout per frame, at most a frame per event and the clock's second: 147-170 layouts per
    // 60 events before (each update laid out twice, the clock once more).
    expect(laidOut / events).toBeLessThanOrEqual(1.5);
    await cdp.detach();
  });
});
