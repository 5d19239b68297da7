import type { Page } from 'playwright-core';
import { waitFor } from '../browser/wall-checks.ts';

/**
 * Opens `url` in `page` in `language`, set in localStorage as the wall's own switch keeps it (so
 * a reload), and waits until the page's `loaded` expression holds.
 */
export async function openInLanguage(page: Page, url: string, language: 'zh' | 'en', loaded: string): Promise<void> {
  await page.goto(url);
  await page.evaluate(`localStorage.setItem('wanxiang.language', '${language}')`);
  await page.reload();
  await waitFor(page, loaded, 30_000);
}
