import { rm } from 'node:fs/promises';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform, type PlatformEndpoints } from '../../services/platform.ts';
import type { TestPlatform } from './test-platform.ts';

/** The platform a test started again, and where it listens. */
export interface Restarted {
  readonly platform: Platform;
  readonly endpoints: PlatformEndpoints;
}

/** Closes the test's platform and starts another on its config: the same database and data folder. */
export async function restartPlatform(test: TestPlatform): Promise<Restarted> {
  await test.platform.close();
  const platform = createPlatform(test.config, createLogger('silent'));
  return { platform, endpoints: await platform.start() };
}

/**
 * Closes what runs at a test's end: the restarted platform, dropping the database and removing
 * the data folder as test.close() would; without a restart, the test's own platform.
 */
export async function closeRestartable(test: TestPlatform | undefined, restarted: Restarted | undefined): Promise<void> {
  if (!restarted) return test?.close();
  await restarted.platform.close();
  await restarted.platform.influx.query(`DROP DATABASE "${test!.config.influx.database}"`, { database: null }).catch(() => undefined);
  await rm(test!.config.dataDir, { recursive: true, force: true });
}
