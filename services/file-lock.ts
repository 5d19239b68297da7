import { open, readFile, stat, unlink } from 'node:fs/promises';
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

/** A breaker's file older than this is one a process left dying mid-break. */
const breakerStaleMs = 5_000;

/**
 * Removes the lock if its holder is dead, deciding under `<lock>.break` so that it is the dead
 * holder's lock that goes. Deciding outside it, a command read the pid of a holder that then
 * released and exited, a third took the lock, and the first removed the third's live lock as
 * stale: two changes at once, one add lost (red team, seven commands under the full suite).
 * While the lock exists nobody else can take it, and only a breaker removes a lock not its own,
 * one breaker at a time: what it reads is the lock it removes.
 */
async function breakIfStale(lockPath: string): Promise<void> {
  const breaker = `${lockPath}.break`;
  try {
    await (await open(breaker, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A breaker that died mid-break (it holds the file for microseconds): its file is taken over.
    const age = await stat(breaker).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (age > breakerStaleMs) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    const holder = await readFile(lockPath, 'utf8').catch(() => null);
    // Read while its taker was still writing the pid: not stale, only young.
    if (holder !== null && holder !== '' && !holderRuns(holder)) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
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
    if (holder !== null && holder !== '' && !holderRuns(holder)) {
      // Then tried again after the wait below (another breaker may be at it).
      await breakIfStale(lockPath);
    } else if (Date.now() > deadline) throw new WanxiangError('WX_ERR_FILE', `${lockPath} is held by another change (process ${holder?.trim() || 'unknown'}) for more than ${lockWaitMs / 1_000} s`);
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
