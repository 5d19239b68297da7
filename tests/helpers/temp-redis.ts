import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type Server } from '../cluster/servers.ts';

export interface TempRedis extends Server {
  readonly url: string;
  /** The folder redis-server runs in, the test's own: its log, and whatever else the test keeps. */
  readonly dir: string;
  /** Stops redis-server and removes its folder. */
  close(): Promise<void>;
}

/** Debian's redis-server on a free port in a temporary folder named from `prefix`. */
export async function startTempRedis(prefix: string): Promise<TempRedis> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const server = await startRedis(dir).catch(async (error: unknown) => {
    await removeDir();
    throw error;
  });
  return {
    ...server,
    dir,
    async close() {
      await server.stop();
      await removeDir();
    },
  };
}
