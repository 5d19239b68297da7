import type { BrowserContext, Page } from 'playwright-core';

/**
 * A new page of `width` × `height` whose uncaught errors, and with `consoleErrors` its console's
 * errors too, are pushed to `problems`, each named by the width: a test expects none.
 */
export async function pageRecordingErrors(context: BrowserContext, width: number, height: number, problems: string[], consoleErrors = false): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  page.on('pageerror', (error) => problems.push(`${width}px page error: ${error.message}`));
  if (consoleErrors) page.on('console', (message) => { if (message.type() === 'error') problems.push(`${width}px console: ${message.text()}`); });
  return page;
}
