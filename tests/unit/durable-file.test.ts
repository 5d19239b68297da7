import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaceFileDurably } from '../../services/durable-file.ts';

describe('replaceFileDurably (registry, users file, revocations, hold times)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('replaces the file whole, readable by this user alone even over a stale temporary file, and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-durable-'));
    dirs.push(dir);
    const path = join(dir, 'devices.json');
    await writeFile(path, 'old', { mode: 0o644 });
    // A temporary file of a crashed run of the same pid, readable by all.
    await writeFile(`${path}.${process.pid}.tmp`, 'stale', { mode: 0o644 });
    await replaceFileDurably(path, '{"new":true}\n');
    expect(await readFile(path, 'utf8')).toBe('{"new":true}\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['devices.json']);
  });
});
