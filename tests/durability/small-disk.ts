import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mounts an 8 MiB tmpfs on `dir` (root only); undefined, or the reason when the system does not allow it. */
export async function smallDisk(dir: string): Promise<string | undefined> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

/** Unmounts what smallDisk mounted (nothing said if it is gone). */
export const unmount = (dir: string): Promise<unknown> => run('umount', [dir]).catch(() => undefined);

/** Fills the filesystem with one file until the write fails with ENOSPC. */
export async function fill(path: string): Promise<void> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

/** `check`'s value once it has one, polled every 100 ms. */
export async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
