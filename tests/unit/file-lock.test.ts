import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFileLock } from '../../services/file-lock.ts';

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
    expect(await withFileLock(file, async () => readFile(`${file}.lock`, 'utf8'))).toBe(String(process.pid));
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
    const { utimes } = await import('node:fs/promises');
    await utimes(`${file}.lock.break`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await withFileLock(file, async () => 'taken')).toBe('taken');
  });
});
