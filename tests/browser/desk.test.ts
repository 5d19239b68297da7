import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/browser.ts';
import { dispatchAirEvent } from '../helpers/dispatched-event.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const artifacts = 'tests/artifacts';
const tokens = { operator: 'operator-zhang-wei-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };

/** Polls an expression in the page (waitForFunction compiles with eval, which the page's CSP refuses). */
async function waitFor(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The duty desk (issue 23, item 5) in Debian's Chromium against a real platform: an alarm raised by
 * a real MQTT reading becomes an event in the list; the timeline shows; an operator comments,
 * resolves and closes from the page, each recorded with their name; a reader sees no actions; the
 * shift handover lists the event as closed this shift, and prints.
 */
describe('the duty desk', () => {
  let test: TestPlatform;
  let browser: TestBrowser | undefined;
  // The events' clock: moved past a due time instead of waiting half an hour.
  let offsetMs = 0;
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  };

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    test = await startTestPlatform({
      rollups: { enabled: false },
      http: { tokens: [{ role: 'operator', name: 'zhang.wei', token: tokens.operator }, { role: 'reader', token: tokens.reader }] },
    }, { now: () => Date.now() + offsetMs });
    await dispatchAirEvent(test);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  async function signedIn(token: string): Promise<Page> {
    const page = await browser!.context.newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    watch(page);
    await page.goto(`${test.endpoints.httpUrl}/desk`);
    await page.fill('#token', token);
    await page.click('#token-form button');
    await waitFor(page, "document.querySelectorAll('#events tr').length > 0");
    return page;
  }

  it('marks the escalated event on the wall, without a token (counts only)', async () => {
    offsetMs = 31 * 60_000;
    test.platform.events!.sweep();
    const wall = await browser!.context.newPage();
    await wall.goto(`${test.endpoints.httpUrl}/`);
    await waitFor(wall, "!document.getElementById('desk-overdue').hidden");
    expect(await wall.textContent('#desk-overdue')).toContain('⚠ 1');
    await wall.close();
  }, 60_000);

  it('lists the event, shows its timeline, and lets an operator comment, resolve and close it by name', async () => {
    const page = await signedIn(tokens.operator);
    expect(await page.textContent('#who')).toContain('zhang.wei · operator');
    expect(await page.textContent('#events')).toContain('dispatched');
    expect(await page.textContent('#events')).toContain('深圳市生态环境局罗湖管理局');
    await page.click('#events tr');
    await waitFor(page, "!document.getElementById('detail').hidden && document.getElementById('d-timeline').children.length >= 2");
    expect(await page.isVisible('#actions')).toBe(true);

    const step = async (action: string, note: string, kind: string) => {
      await page.fill('#a-note', note);
      await page.click(`#actions button[data-action="${action}"]`);
      await waitFor(page, `document.getElementById('d-timeline').textContent.includes(${JSON.stringify(note || kind)})`);
    };
    await step('comment', 'called the site manager', 'commented');
    // A note is text, never markup (red team, events pass): tags, a script and an event handler are shown as typed.
    const hostile = '<img src=x onerror="window.wxHostile=1"><script>window.wxHostile=2</script><b>bold</b> \u202eevil';
    await step('comment', hostile, 'commented');
    expect(await page.evaluate("document.querySelectorAll('#d-timeline img, #d-timeline script, #d-timeline b').length")).toBe(0);
    expect(await page.evaluate('window.wxHostile')).toBeUndefined();
    // A resolution names its cause from the API's list: none chosen, the form asks for one and sends nothing.
    await page.fill('#a-note', 'dust nets on two sites');
    await page.click('#actions button[data-action="resolve"]');
    await waitFor(page, "document.getElementById('message').textContent.includes('Choose a cause to resolve')");
    expect(await page.textContent('#d-timeline')).not.toContain('resolved');
    expect(await page.evaluate("[...document.querySelectorAll('#a-cause option')].map((option) => option.value).join(',')")).toBe(',real-exceedance,device-fault,maintenance,communication-loss,false-alarm,other');
    await page.selectOption('#a-cause', 'real-exceedance');
    await step('resolve', 'dust nets on two sites', 'resolved');
    expect(await page.textContent('#d-timeline')).toContain('原因 cause: 真实污染/超标（已核实） real pollution or exceedance, confirmed');
    expect(await page.textContent('#d-meta')).toContain('原因 cause: 真实污染/超标');
    await step('close', 'verified: AQI under 100', 'closed');
    const timeline = await page.textContent('#d-timeline');
    expect(timeline).toMatch(/zhang\.wei.*resolved.*dust nets on two sites/s);
    expect(timeline).toMatch(/zhang\.wei.*closed/s);
    // Filters and search, the cause among them.
    await page.selectOption('#f-cause', 'device-fault');
    await page.click('#filters button[type="submit"]');
    await waitFor(page, "document.querySelectorAll('#events tr').length === 0");
    await page.selectOption('#f-cause', 'real-exceedance');
    await page.selectOption('#f-state', 'closed');
    await page.fill('#f-q', 'dust nets');
    await page.click('#filters button[type="submit"]');
    await waitFor(page, "document.querySelectorAll('#events tr').length === 1");
    await page.fill('#f-q', 'no-such-words');
    await page.click('#filters button[type="submit"]');
    await waitFor(page, "document.querySelectorAll('#events tr').length === 0");

    await page.click('#handover-button');
    await waitFor(page, "!document.getElementById('handover').hidden");
    const handover = await page.textContent('#handover');
    expect(handover).toMatch(/Opened this shift \(1\)/);
    expect(handover).toMatch(/Closed this shift \(1\)/);
    expect(handover).toMatch(/Still open \(0\)/);
    // Printed and read away from the desk: its range with year and zone, each table's columns named, each event's start.
    expect(handover).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} – \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间 Beijing time）/);
    expect(await page.locator('#handover section').first().locator('th').allTextContents()).toEqual(['事件 Event', '标题 Title', '状态 State', '部门 Department', '发生 Opened', '超时 Overdue']);
    expect(await page.locator('#handover section').first().locator('tbody td').nth(4).textContent()).toMatch(/^\d{2}-\d{2} \d{2}:\d{2}$/);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('.desk')).toBe(false);
    expect(await page.isVisible('#handover')).toBe(true);
    await page.pdf({ path: join(artifacts, 'desk-handover.pdf') });
    await page.emulateMedia({ media: 'screen' });
    // The response figures (issue 23 item 6): a row for the bureau and one for the family, resolved once.
    await page.click('#figures-button');
    await waitFor(page, "!document.getElementById('figures').hidden && document.querySelectorAll('#g-body tr').length >= 2");
    const figures = await page.textContent('#g-body');
    expect(figures).toContain('深圳市生态环境局罗湖管理局');
    expect(figures).toMatch(/family\s*air/);
    expect(figures).toMatch(/原因 cause\s*真实污染/);
    expect(await page.textContent('#g-body tr:first-child td.figure-resolve')).toMatch(/\(1\)$/);
    await page.screenshot({ path: join(artifacts, 'desk.png') });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a reader the events but no actions', async () => {
    const page = await signedIn(tokens.reader);
    await page.click('#events tr');
    await waitFor(page, "!document.getElementById('detail').hidden");
    expect(await page.isVisible('#actions')).toBe(false);
    expect(await page.textContent('#who')).toContain('reader');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
