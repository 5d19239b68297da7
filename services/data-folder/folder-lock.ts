import { chmod, mkdir, open, readFile, rm, stat, unlink, utimes } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { createFileDurably } from '../durable-file.ts';
import { WanxiangError } from '../errors.ts';
import { inOtherPidNamespace, processIdentity, recordedProcessAlive, type ProcessIdentity } from '../process-identity.ts';

/**
 * `wanxiang.lock` in the data folder (issue 19, item 1): the spool, runtime.json, the
 * dead-letter files and the installation's registry belong to one run at a time, whatever
 * database it writes to. Two starts on one folder with INFLUX_URL set used to share it: the
 * second deleted the first's spool segment and overwrote its runtime.json. So every command
 * that runs a platform on the folder (start, ingest, backfill without --url) holds this lock
 * for its whole run, and the lock's refusal never suggests a way to share the folder.
 */
export interface FolderLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Holder { pid: number; command: string; startedAt: string; identity?: ProcessIdentity }

/** Folders this process holds: a second platform in the same process is refused too. */
const heldHere = new Set<string>();

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, command: String(parsed.command ?? 'wanxiang'), startedAt: String(parsed.startedAt ?? '?'), identity: parsed.identity } : undefined;
  } catch {
    return undefined; // gone, unreadable or half-written: the caller decides from the file's presence
  }
}

export const folderLockPath = (dataDir: string) => resolve(join(dataDir, 'wanxiang.lock'));

/**
 * A holder in another PID namespace (a container beside ours on the same data volume, each
 * platform pid 1 in its own) cannot be looked up by its pid here: its pid is ours, or another
 * process's, or none (red team pass: the second container took the first's lock for a dead run's
 * and recovered its running spool). So a holder touches its lock every `heartbeatMs`, and such a
 * lock is a dead holder's once nobody touched it for `leaseMs`; a start after a crash in another
 * container waits that long at most. The lease is long beside the heartbeat: an event loop held up
 * for seconds must not let a second run in.
 */
const heartbeatMs = 2_000;
const leaseMs = 20_000;

const mtimeOf = (path: string) => stat(path).then((info) => info.mtimeMs, () => undefined);

/** Whether the lock is touched within the lease (watched up to `leaseMs`), and the mtime it was left at if not. */
async function leaseHeld(path: string): Promise<{ alive: boolean; untouchedAt?: number }> {
  const first = await mtimeOf(path);
  if (first === undefined) return { alive: false };
  // Left untouched for the lease already (by the wall clock): no need to watch.
  if (Date.now() - first > leaseMs) return { alive: false, untouchedAt: first };
  for (const until = performance.now() + leaseMs; performance.now() < until;) {
    await delay(heartbeatMs / 2);
    const now = await mtimeOf(path);
    if (now === undefined) return { alive: false };
    if (now !== first) return { alive: true };
  }
  return { alive: false, untouchedAt: first };
}

/** Whether the lock's holder runs: by pid and identity in our PID namespace, by its heartbeat in another. */
async function judgeHolder(path: string, holder: Holder): Promise<{ alive: boolean; untouchedAt?: number }> {
  if (heldHere.has(path)) return { alive: true };
  if (await inOtherPidNamespace(holder.identity)) return leaseHeld(path);
  return { alive: await recordedProcessAlive(holder.pid, holder.identity) };
}

const lockedError = (dataDir: string, path: string, holder: Holder) =>
  new WanxiangError(
    'WX_ERR_DATA_DIR_LOCKED',
    `the data folder ${resolve(dataDir)} is in use by 'wanxiang ${holder.command}' (process ${holder.pid}, since ${holder.startedAt}; lock ${path}): stop that run first, or give this one a data folder of its own (--data-dir DIR, WX_DATA_DIR); two runs never share a data folder`,
    { value: holder.pid },
  );

/**
 * Refuses (WX_ERR_DATA_DIR_LOCKED) while a live process holds the data folder, without taking it:
 * `start` asks before it prepares the installation, so that a second start on a running folder
 * changes nothing in it (red team 5: it rewrote the running platform's registry) before the lock
 * itself refuses it.
 */
export async function assertFolderFree(dataDir: string): Promise<void> {
  const folder = resolve(dataDir);
  const path = folderLockPath(folder);
  const holder = await readHolder(path);
  if (holder && (await judgeHolder(path, holder)).alive) throw lockedError(folder, path, holder);
}

/**
 * Takes the data folder for `command`, or refuses (WX_ERR_DATA_DIR_LOCKED) while a live process
 * holds it. The lock is written aside and linked into place, so it is never seen empty or half
 * written; a lock whose process is gone (a crash, kill -9) is removed under `<lock>.break`, one
 * breaker at a time, and taken afresh. Red team 11: written in place, a start that read another's
 * lock between its creation and its write took it for a dead one's and removed it, and a lock
 * renamed aside could not always be put back: two, three starts held one folder at once.
 */
export async function lockDataFolder(dataDir: string, command: string): Promise<FolderLock> {
  const folder = resolve(dataDir);
  const path = folderLockPath(folder);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // Issue 18, item 17: registry hashes, raw payloads and the spool are for this user alone,
  // also in a folder made before files were created 0600.
  await chmod(folder, 0o700);
  if (heldHere.has(path)) throw lockedError(folder, path, (await readHolder(path)) ?? { pid: process.pid, command, startedAt: '?' });
  // The identity (boot id, start time) tells a later run whether this pid is still us: a pid
  // reused after a crash (pid 1 in a restarted container) is not the holder.
  const mine: Holder = { pid: process.pid, command, startedAt: new Date().toISOString(), identity: await processIdentity(process.pid) };
  for (let attempt = 0; attempt < 20; attempt += 1) {
    if (await createLock(path, mine)) {
      heldHere.add(path);
      // Touched while held: how a start in another PID namespace tells this run from a dead one.
      const heartbeat = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => undefined), heartbeatMs).unref();
      return { path, release: releaser(path, heartbeat) };
    }
    const holder = await readHolder(path);
    const verdict = holder ? await judgeHolder(path, holder) : { alive: false };
    if (holder && verdict.alive) throw lockedError(folder, path, holder);
    await breakIfStale(path, verdict.untouchedAt);
    // Another breaker may be at it: try again in a moment.
    await new Promise((done) => setTimeout(done, 5 + attempt * 5));
  }
  throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `cannot take the lock ${path}: other runs keep taking it`);
}

/** Creates the lock whole (createFileDurably: never seen half written); false when one exists. */
async function createLock(path: string, mine: Holder): Promise<boolean> {
  try {
    return await createFileDurably(path, `${JSON.stringify(mine)}\n`);
  } catch (error) {
    throw new WanxiangError('WX_ERR_FILE', `cannot take the lock ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A breaker's file older than this is one a process left dying mid-break (it holds it for microseconds). */
const breakerStaleMs = 5_000;

/**
 * Removes the lock if its holder is gone, deciding under `<lock>.break`: while a lock exists nobody
 * can take the folder, and only a breaker removes a lock not its own, one at a time, so the lock it
 * judged is the lock it removes. An unreadable lock (garbage; never a live taker's, which appears whole) is stale.
 */
async function breakIfStale(path: string, untouchedAt?: number): Promise<void> {
  const breaker = `${path}.break`;
  try {
    await (await open(breaker, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new WanxiangError('WX_ERR_FILE', `cannot break the lock ${path}: ${(error as Error).message}`, { cause: error });
    const age = await stat(breaker).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (age > breakerStaleMs) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    const present = await stat(path).then(() => true, () => false);
    const holder = await readHolder(path);
    // A lock judged by its heartbeat is removed only as it was judged: still untouched since.
    const stale = untouchedAt !== undefined ? (await mtimeOf(path)) === untouchedAt : !(holder && (await recordedProcessAlive(holder.pid, holder.identity)));
    if (present && stale) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

function releaser(path: string, heartbeat: NodeJS.Timeout): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    heldHere.delete(path);
    // Only our own lock: never remove one another run holds.
    const holder = await readHolder(path);
    if (holder?.pid === process.pid) await rm(path, { force: true });
  };
}
