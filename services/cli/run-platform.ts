import type { Logger } from 'pino';
import type { Platform, PlatformEndpoints } from '../platform.ts';

/**
 * Starts a platform that runs until SIGINT or SIGTERM, then closes it and exits 0: what `start`
 * and `ingest` share. Only the command line handles signals (the platform itself never does).
 */
export async function runUntilSignal(platform: Platform, log: Logger): Promise<PlatformEndpoints> {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return platform.start();
}
