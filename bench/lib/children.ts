import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';

/**
 * The node flags the platform runs with: `npm start` (package.json) and the Dockerfile's CMD pass
 * the same (tests/unit/deploy.test.ts holds the three equal), so the benches measure what ships.
 */
export const platformNodeFlags = ['--max-semi-space-size=64'];

/** Forks a TypeScript file under tsx, with extra node flags (--cpu-prof). */
export function forkTs(file: string, nodeFlags: string[] = []): ChildProcess {
  return fork(file, [], { execArgv: ['--import', 'tsx', ...nodeFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Sends a message and waits for the child's next message of `type`. */
export async function ask<T extends { type: string }>(child: ChildProcess, request: unknown, type: T['type']): Promise<T> {
  const answer = new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited ${code} before answering ${type}`));
    const onMessage = (message: T) => {
      if (message.type === 'error') reject(new Error(JSON.stringify(message)));
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  if (request !== undefined) child.send(request as object);
  return answer;
}

export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

/** CPU time (user + system) of any process, from /proc/<pid>/stat, in µs. */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) counted from 1; the slice starts at field 3. Clock ticks of 10 ms (USER_HZ 100).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** CPU time (user + system) of one thread of a process, from /proc/<pid>/task/<tid>/stat, in µs (10 ms ticks). */
export function threadCpuUs(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Resident memory of any process, from /proc/<pid>/status, in bytes. */
export function processRssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1_024 : 0;
}
