import { open, readFile, unlink } from 'node:fs/promises';
import { WanxiangError } from './errors.ts';

/** How long a change waits for another's lock before it gives up (the CLI's changes take milliseconds). */
const lockWaitMs = 10_000;

/** Whether the process that took a lock still runs (a lock of one that died, killed mid-change, is stale). */
function holderRuns(text: string): boolean {
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<file>.lock` (created exclusively, holding our pid); resolves with its release. */
async function takeLock(lockPath: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + lockWaitMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readFile(lockPath, 'utf8').catch(() => null);
    // Read while its taker was still writing the pid: not stale, only young.
    if (holder !== null && holder !== '' && !holderRuns(holder)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new WanxiangError('WX_ERR_FILE', `${lockPath} is held by another change (process ${holder?.trim() || 'unknown'}) for more than ${lockWaitMs / 1_000} s`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * `work` while holding `<path>.lock`, for a read-change-write of a file that commands run at once
 * may change (the users file, the device registry): without it each read the file before the
 * other wrote it, and the later write undid the earlier change (red team 3). A lock whose process
 * died is taken over.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const release = await takeLock(`${path}.lock`);
  try {
    return await work();
  } finally {
    await release();
  }
}
