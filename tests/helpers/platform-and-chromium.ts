import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { startTestPlatform, type TestPlatform } from './test-platform.ts';

export interface PlatformAndChromium {
  readonly test: TestPlatform;
  readonly context: BrowserContext;
  /** Closes Chromium, then the platform. */
  close(): Promise<void>;
}

/** A platform in process with its rollups off (the pages read live values), and Debian's Chromium to open them. */
export async function startPlatformAndChromium(): Promise<PlatformAndChromium> {
  const test = await startTestPlatform({ rollups: { enabled: false } });
  const browser = await launchChromium().catch(async (error: unknown) => {
    await test.close();
    throw error;
  });
  return {
    test,
    context: browser.context,
    async close() {
      await browser.close();
      await test.close();
    },
  };
}
