import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { inOtherPidNamespace, processIdentity, recordedProcessAlive, type ProcessIdentity } from './process-identity.ts';
import { WanxiangError } from './errors.ts';

/** How long a change waits for another's lock before it gives up (the CLI's changes take milliseconds). */
const lockWaitMs = 10_000;

/** A breaker's file older than this is one a process left dying mid-break. */
const breakerStaleMs = 5_000;

/**
 * A lock still empty (or unreadable) this long after it was made is one whose taker died between
 * creating it and writing itself into it (a kill or power cut in those microseconds): without an
 * age it was "only young" for ever and every change failed (red team, "process unknown").
 */
const unwrittenStaleMs = 5_000;

/**
 * A holder in another PID namespace (another container on the volume, each command pid 1 in its
 * own) cannot be looked up by its pid here: its pid is ours, or another process's, or none (red
 * team pass: a change in a second container took the first's live lock for a dead one's, and one
 * of the two changes was lost). So a holder touches its lock every `heartbeatMs` while it works,
 * and such a lock is a dead holder's once nobody touched it for `leaseMs` (as the data folder's
 * lock, folder-lock.ts). The lease is well inside `lockWaitMs`, so that a change waiting on a
 * holder killed in another container takes over within its own wait; a change holds the lock for
 * milliseconds, and only an event loop held up for the whole lease would let a second one in.
 */
const heartbeatMs = 1_000;
const leaseMs = 5_000;

/** What a waiter saw of a lock from another PID namespace: its mtime, and since when (monotonic) unchanged. */
interface LeaseWatch { mtimeMs?: number; since: number }

const mtimeOf = (path: string) => stat(path).then((info) => info.mtimeMs, () => undefined);

/** The mtime the lock was left at when nobody touched it for the lease, else undefined (touched, or gone). */
async function leaseLapsed(lockPath: string, watch: LeaseWatch): Promise<number | undefined> {
  const mtime = await mtimeOf(lockPath);
  if (mtime === undefined) return undefined;
  // Left untouched for the lease already (by the wall clock): no need to watch.
  if (Date.now() - mtime > leaseMs) return mtime;
  // Else watched by our own monotonic clock, which no clock step moves.
  if (watch.mtimeMs !== mtime) {
    watch.mtimeMs = mtime;
    watch.since = performance.now();
    return undefined;
  }
  return performance.now() - watch.since > leaseMs ? mtime : undefined;
}

/** What a taker writes: its pid, who that pid is (boot id, start time) and which take this is. */
interface Holder { pid: number; identity?: Partial<ProcessIdentity>; take?: string }

/**
 * The takes this process holds now. A lock naming our own pid is ours only if it names one of
 * them: otherwise it is an earlier life's. In a container the platform is pid 1 again after
 * `docker kill` or an OOM kill, and found its own pid in the registry's lock: "held by another
 * change (process 1)" for ever, and `wanxiang start` in a restart loop (red team).
 */
const heldHere = new Set<string>();

function parseHolder(text: string): Holder | undefined {
  // A lock written before identities were kept holds the bare pid.
  if (/^\s*\d+\s*$/.test(text)) return { pid: Number(text) };
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    return Number.isInteger(parsed.pid) && parsed.pid! > 0 ? { pid: parsed.pid!, identity: parsed.identity, take: parsed.take } : undefined;
  } catch {
    return undefined; // empty or half-written: judged by its age
  }
}

interface Verdict {
  stale: boolean;
  pid?: number;
  /** A lock judged by its lease: the mtime it was left at, which it must still have when it is removed. */
  untouchedAt?: number;
  otherNamespace?: boolean;
}

/**
 * Whether the lock there now is stale (its holder gone), and the pid it names. Gone is not stale.
 * `watch` is the waiter's view of a lock from another PID namespace, judged by its lease.
 */
async function judge(lockPath: string, watch: LeaseWatch = { since: performance.now() }): Promise<Verdict> {
  const text = await readFile(lockPath, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : ''));
  if (text === undefined) return { stale: false };
  const holder = parseHolder(text);
  if (!holder) {
    // Read before its age: a lock made again in between looks young, never old. Either way from
    // now: an mtime in the future means the clock was stepped back since it was made.
    const made = await stat(lockPath).then((info) => info.mtimeMs, () => undefined);
    return { stale: made !== undefined && Math.abs(Date.now() - made) > unwrittenStaleMs };
  }
  if (await inOtherPidNamespace(holder.identity)) {
    const untouchedAt = await leaseLapsed(lockPath, watch);
    return { stale: untouchedAt !== undefined, pid: holder.pid, untouchedAt, otherNamespace: true };
  }
  if (holder.pid === process.pid) return { stale: !(holder.take && heldHere.has(holder.take)), pid: holder.pid };
  // A reused pid (a reboot, another container's process) is not the holder: the identity says so.
  return { stale: !(await recordedProcessAlive(holder.pid, holder.identity)), pid: holder.pid };
}

/**
 * Removes the lock if its holder is dead, deciding under `<lock>.break` so that it is the dead
 * holder's lock that goes. Deciding outside it, a command read the pid of a holder that then
 * released and exited, a third took the lock, and the first removed the third's live lock as
 * stale: two changes at once, one add lost (red team, seven commands under the full suite).
 * While the lock exists nobody else can take it, and only a breaker removes a lock not its own,
 * one breaker at a time: what it reads is the lock it removes.
 */
async function breakIfStale(lockPath: string, untouchedAt?: number): Promise<void> {
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
    // A lock judged by its lease is removed only as it was judged: still untouched since.
    const stale = untouchedAt !== undefined ? (await mtimeOf(lockPath)) === untouchedAt : (await judge(lockPath)).stale;
    if (stale) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** Creates the lock with `mine` in it; false if it exists, or if it was broken before we wrote it. */
async function tryCreate(lockPath: string, mine: string, take: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new WanxiangError('WX_ERR_FILE', `cannot take the lock ${lockPath}: ${(error as Error).message}`, { value: lockPath, cause: error });
  }
  // Known as ours before it says so: a change of this process reading it meanwhile must wait.
  heldHere.add(take);
  try {
    await handle.writeFile(mine);
  } catch (error) {
    heldHere.delete(take);
    await unlink(lockPath).catch(() => undefined);
    throw new WanxiangError('WX_ERR_FILE', `cannot write the lock ${lockPath}: ${(error as Error).message}`, { value: lockPath, cause: error });
  } finally {
    await handle.close();
  }
  // Stalled past `unwrittenStaleMs` before the write, it was broken as a dead taker's: not ours.
  if ((await readFile(lockPath, 'utf8').catch(() => '')) === mine) return true;
  heldHere.delete(take);
  return false;
}

/** Takes `<file>.lock` (created exclusively, naming us and this take); resolves with its release. */
async function takeLock(lockPath: string): Promise<() => Promise<void>> {
  const take = randomUUID();
  const mine = `${JSON.stringify({ pid: process.pid, identity: await processIdentity(process.pid), take } satisfies Holder)}\n`;
  const deadline = Date.now() + lockWaitMs;
  const watch: LeaseWatch = { since: performance.now() };
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    if (await tryCreate(lockPath, mine, take)) {
      // Touched while held: how a change in another PID namespace tells this one from a dead one's.
      const heartbeat = setInterval(() => void utimes(lockPath, new Date(), new Date()).catch(() => undefined), heartbeatMs).unref();
      return async () => {
        clearInterval(heartbeat);
        // Only our own: a lock wrongly broken and taken by another is that other's.
        if ((await readFile(lockPath, 'utf8').catch(() => '')) === mine) await unlink(lockPath).catch(() => undefined);
        heldHere.delete(take);
      };
    }
    const { stale, pid, untouchedAt, otherNamespace } = await judge(lockPath, watch);
    // Then tried again after the wait below (another breaker may be at it).
    if (stale) await breakIfStale(lockPath, untouchedAt);
    else if (Date.now() > deadline) throw new WanxiangError('WX_ERR_FILE', `${lockPath} is held by another change (process ${pid ?? 'unknown'}${otherNamespace ? ' of another PID namespace' : ''}) for more than ${lockWaitMs / 1_000} s`, { value: pid ?? lockPath });
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * `work` while holding `<path>.lock`, for a read-change-write of a file that commands run at once
 * may change (the users file, the device registry): without it each read the file before the
 * other wrote it, and the later write undid the earlier change (red team 3). A lock whose process
 * died (by its recorded identity, not its pid alone; in another PID namespace, by its lease), or
 * that stayed empty, is taken over.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const release = await takeLock(`${path}.lock`);
  try {
    return await work();
  } finally {
    await release();
  }
}
