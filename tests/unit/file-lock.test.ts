import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIdentity } from '../../services/process-identity.ts';
import { withFileLock } from '../../services/file-lock.ts';

const fileLock = fileURLToPath(new URL('../../services/file-lock.ts', import.meta.url));

/** Whether `change` is still waiting after `ms` (asserting that nothing happens needs a wait). */
const stillWaiting = (change: Promise<unknown>, ms: number) =>
  Promise.race([change.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

/** A real other process holding `<file>.lock` through withFileLock until it is killed. */
async function holdInChild(file: string) {
  const script = `const { withFileLock } = await import(${JSON.stringify(fileLock)});
await withFileLock(${JSON.stringify(file)}, async () => { console.log('held'); await new Promise(() => setInterval(() => {}, 1000)); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  // Its 'held', or its exit (a child that cannot start would otherwise leave the test waiting).
  await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(([code]) => Promise.reject(new Error(`the holder exited (${String(code)})`)))]);
  return child;
}

describe('the lock of a file changed by commands run at once', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-file-lock-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes over the lock of a process that died, and leaves no breaker file behind', async () => {
    const file = join(dir, 'registry.json');
    // A pid that ran and is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(`${file}.lock`, String(dead));
    expect(JSON.parse(await withFileLock(file, async () => readFile(`${file}.lock`, 'utf8')))).toMatchObject({ pid: process.pid });
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(`${file}.lock.break`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never removes a live holder\'s lock, and runs changes in turn', async () => {
    const file = join(dir, 'users.json');
    const order: string[] = [];
    await Promise.all(Array.from({ length: 20 }, (_, n) => withFileLock(file, async () => {
      order.push(`in ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      order.push(`out ${n}`);
    })));
    // In, out, in, out: no two changes overlapped.
    for (let i = 0; i < order.length; i += 2) expect([order[i]!.split(' ')[0], order[i + 1]!.split(' ')[0], order[i]!.split(' ')[1]]).toEqual(['in', 'out', order[i + 1]!.split(' ')[1]]);
  });

  it('takes over a breaker file left by a process that died mid-break', async () => {
    const file = join(dir, 'stale-breaker.json');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(`${file}.lock`, String(dead));
    await writeFile(`${file}.lock.break`, '');
    await utimes(`${file}.lock.break`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await withFileLock(file, async () => 'taken')).toBe('taken');
  });

  // Red team: in a container the platform is pid 1 again after `docker kill`, and waited on its
  // own earlier life's lock for ever. The lock is young, so only its contents can free it.
  it.each([
    ['a bare pid', () => String(process.pid)],
    ['an earlier start time', async () => JSON.stringify({ pid: process.pid, identity: { ...(await processIdentity(process.pid)), startTicks: '1' }, take: 'earlier' })],
    // What a system without /proc sees (no start time to tell lives apart): only the take can.
    ['our identity but no take of ours', async () => JSON.stringify({ pid: process.pid, identity: await processIdentity(process.pid), take: 'not-held' })],
  ])('breaks a lock naming our own pid from an earlier life (%s), at once', async (_, contents) => {
    const file = join(dir, 'own-pid.json');
    await writeFile(`${file}.lock`, await contents());
    const started = Date.now();
    expect(await withFileLock(file, async () => 'changed')).toBe('changed');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('breaks a lock naming a reused pid: a live process, but not the one that wrote it', async () => {
    const file = join(dir, 'reused-pid.json');
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const identity = await processIdentity(other.pid!);
      await writeFile(`${file}.lock`, JSON.stringify({ pid: other.pid, identity: { ...identity, startTicks: '1' }, take: 'gone' }));
      expect(await withFileLock(file, async () => 'changed')).toBe('changed');
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('breaks an empty lock older than a few seconds (its taker died before writing its pid)', async () => {
    const file = join(dir, 'old-empty.json');
    await writeFile(`${file}.lock`, '');
    await utimes(`${file}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const started = Date.now();
    expect(await withFileLock(file, async () => 'changed')).toBe('changed');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('waits on a young empty lock (its taker is about to write its pid)', async () => {
    const file = join(dir, 'young-empty.json');
    await writeFile(`${file}.lock`, '');
    const change = withFileLock(file, async () => 'changed');
    expect(await stillWaiting(change, 1_000)).toBe(true);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe('');
    // Its taker finishing: the change goes through.
    await unlink(`${file}.lock`);
    expect(await change).toBe('changed');
  });

  it('respects the lock of a live other process, and takes it once that process is killed', async () => {
    const file = join(dir, 'other-process.json');
    const child = await holdInChild(file);
    const held = await readFile(`${file}.lock`, 'utf8');
    expect(JSON.parse(held)).toMatchObject({ pid: child.pid, identity: await processIdentity(child.pid!) });
    const change = withFileLock(file, async () => readFile(`${file}.lock`, 'utf8'));
    try {
      expect(await stillWaiting(change, 1_000)).toBe(true);
      expect(await readFile(`${file}.lock`, 'utf8')).toBe(held);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(JSON.parse(await change)).toMatchObject({ pid: process.pid });
  });
});
