import { readFile, readlink } from 'node:fs/promises';

/**
 * Who a pid is, beyond its number: the kernel's boot id and the process's start time in clock
 * ticks since boot (/proc/<pid>/stat, field 22). A lock that names only a pid is taken for a live
 * run by ANY process that later gets that pid: after a reboot, or in a container, where the
 * platform is pid 1 again after `docker kill` or an OOM kill and would refuse its own folder
 * forever (it found its own pid in the lock). Both values are clock-free, so a clock step cannot
 * make a live holder look stale. Linux only; elsewhere (no /proc) the pid alone decides, as before.
 */
export interface ProcessIdentity {
  readonly bootId: string;
  readonly startTicks: string;
  /**
   * The PID namespace the pid is numbered in (`pid:[4026531836]`): a container's own. A pid from
   * another namespace names some other process here, or none (red team pass: two containers on one
   * data volume, each platform pid 1 in its own, took each other's lock for a dead run's).
   */
  readonly pidNamespace?: string;
}

/** This process's PID namespace, or undefined where /proc cannot tell. */
export const ownPidNamespace = (): Promise<string | undefined> => readlink('/proc/self/ns/pid').catch(() => undefined);

/** Whether a recorded identity's pid is numbered in another PID namespace than ours: its pid cannot be looked up here. */
export async function inOtherPidNamespace(recorded: Partial<ProcessIdentity> | undefined): Promise<boolean> {
  if (!recorded?.pidNamespace) return false;
  const own = await ownPidNamespace();
  return own !== undefined && own !== recorded.pidNamespace;
}

let bootIdCache: string | undefined;

async function bootId(): Promise<string | undefined> {
  bootIdCache ??= await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((text) => text.trim(), () => undefined);
  return bootIdCache;
}

/** Fields 3 on of /proc/<pid>/stat (state, ppid, ...), or undefined where there is none. */
async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ')': count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The identity of `pid` now, or undefined where /proc cannot tell (not Linux, or no such process). */
export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  const [boot, fields, namespace] = await Promise.all([bootId(), statFields(pid), readlink(`/proc/${pid}/ns/pid`).catch(() => undefined)]);
  const ticks = fields?.[19]; // field 22 of the whole line: starttime
  return boot && ticks ? { bootId: boot, startTicks: ticks, ...(namespace ? { pidNamespace: namespace } : {}) } : undefined;
}

/**
 * A process killed but not yet reaped by its parent (a zombie, state Z; X while it is being
 * reaped) keeps its pid and start time, and answers kill(pid, 0): it still looked like the
 * holder, and a platform started by a parent that does not wait() for it (a supervisor script,
 * a test harness) kept its folder locked after a kill -9 until that parent exited (red team 11).
 */
async function exited(pid: number): Promise<boolean> {
  const state = (await statFields(pid))?.[0];
  return state === 'Z' || state === 'X';
}

const pidAnswers = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Whether the process a lock recorded still runs. With /proc, a lock that recorded an identity
 * names its holder only while the process with that pid has the same identity (a reboot or a
 * reused pid is not the holder); a lock without one (written before identities were kept) that
 * names this very process is an earlier life's (pid 1 in a restarted container), since every lock
 * this code writes on Linux has an identity. Without /proc, the pid alone decides, as before.
 */
export async function recordedProcessAlive(pid: number | undefined, recorded: Partial<ProcessIdentity> | undefined): Promise<boolean> {
  if (!pid || !pidAnswers(pid)) return false;
  if (await exited(pid)) return false;
  const now = await processIdentity(pid);
  if (!now) return true;
  if (!recorded?.bootId || !recorded.startTicks) return pid !== process.pid;
  return now.bootId === recorded.bootId && now.startTicks === recorded.startTicks;
}

/** The command line of `pid` as its words, or undefined where /proc cannot tell. */
export async function processCommandLine(pid: number): Promise<string[] | undefined> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : text.split('\0').filter(Boolean);
}
