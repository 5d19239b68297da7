import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.ts';

// A PID namespace of its own, as each container has: the process is pid 1 in it, as a `docker run` command is.
const inContainer = ['--pid', '--fork', '--mount-proc', ...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'])];
const canUnshare = spawnSync('unshare', [...inContainer, 'true']).status === 0;
const fileLock = fileURLToPath(new URL('../../services/file-lock.ts', import.meta.url));

interface Change { readonly child: ChildProcess; output(): string; readonly exited: Promise<number | null> }

/**
 * A read-change-write of `file` (a number, incremented) under withFileLock, in a PID namespace of
 * its own, holding the lock `holdMs` between its read and its write: a registry or users-file
 * change (`wanxiang devices …`, `wanxiang users …`) in a container of its own.
 */
function changeInContainer(file: string, holdMs: number): Change {
  const script = `const { withFileLock } = await import(${JSON.stringify(fileLock)});
const { readFile, writeFile } = await import('node:fs/promises');
await withFileLock(${JSON.stringify(file)}, async () => {
  const n = Number(await readFile(${JSON.stringify(file)}, 'utf8'));
  process.stdout.write('held as pid ' + process.pid + '\\n');
  await new Promise((resolve) => setTimeout(resolve, ${holdMs}));
  await writeFile(${JSON.stringify(file)}, String(n + 1));
});
process.stdout.write('done\\n');`;
  const child = spawn('unshare', [...inContainer, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function until(change: Change, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!change.output().includes(text)) {
    if (Date.now() > deadline || change.child.exitCode !== null) throw new Error(`no '${text}' from the change:\n${change.output()}`);
    await delay(20);
  }
}

/** The pid (in this namespace) of the process unshare forked: signals to unshare itself are not passed on. */
const forkedChild = async (unsharePid: number) => Number((await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8')).trim().split(' ')[0]);

/**
 * Two containers changing the registry (or users file) on one volume: each command is pid 1 in its
 * own PID namespace. The second read the first's lock, found its own pid in it (or pid 1 with
 * another start time), took the live lock for a dead one's, and the later write undid the other.
 */
describe.skipIf(!canUnshare)('red team: the registry\'s file lock across containers', () => {
  let dir: string;
  const running: Change[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-file-lock-'));
  });
  afterAll(async () => {
    for (const change of running) if (change.child.exitCode === null) change.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a change in a second container wait for the first\'s: neither is lost', async () => {
    const file = join(dir, 'devices.json');
    await writeFile(file, '0');
    const first = changeInContainer(file, 3_000);
    running.push(first);
    await until(first, 'held as pid 1');
    const second = changeInContainer(file, 0);
    running.push(second);
    const firstDone = first.exited.then(() => Date.now());
    const secondDone = second.exited.then(() => Date.now());
    expect([await first.exited, await second.exited], first.output() + second.output()).toEqual([0, 0]);
    expect(second.output()).toContain('held as pid 1');
    expect(await readFile(file, 'utf8')).toBe('2');
    expect(await secondDone).toBeGreaterThanOrEqual(await firstDone);
  }, 60_000);

  it('takes over the lock of a change killed in another container, within its own wait', async () => {
    const file = join(dir, 'users.json');
    await writeFile(file, '0');
    const killed = changeInContainer(file, 600_000);
    running.push(killed);
    await until(killed, 'held as pid 1');
    process.kill(await forkedChild(killed.child.pid!), 'SIGKILL');
    await killed.exited;
    const started = Date.now();
    const next = changeInContainer(file, 0);
    running.push(next);
    expect(await next.exited, next.output()).toBe(0);
    // The lease (5 s) and a start, inside the 10 s a change waits for a lock.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readFile(file, 'utf8')).toBe('1');
  }, 60_000);
});
