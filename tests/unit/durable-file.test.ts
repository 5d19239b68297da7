import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaceFileDurably } from '../../services/durable-file.ts';

describe('replaceFileDurably (registry, users file, revocations, hold times)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const folder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-durable-'));
    dirs.push(dir);
    return dir;
  };

  it('replaces the file whole, readable by this user alone, beside a stale temporary file it leaves alone, and leaves none of its own', async () => {
    const dir = await folder();
    const path = join(dir, 'devices.json');
    await writeFile(path, 'old', { mode: 0o644 });
    // A temporary file of a crashed run of the same pid (the name before), readable by all.
    const stale = `${path}.${process.pid}.tmp`;
    await writeFile(stale, 'stale', { mode: 0o644 });
    await replaceFileDurably(path, '{"new":true}\n');
    expect(await readFile(path, 'utf8')).toBe('{"new":true}\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(stale, 'utf8')).toBe('stale');
    expect((await readdir(dir)).sort()).toEqual(['devices.json', `devices.json.${process.pid}.tmp`]);
  });

  it('never writes through a link planted at a temporary name: the guessable one it had, or the spool\'s fixed ack.tmp', async () => {
    const dir = await folder();
    const victim = join(dir, 'victim');
    await writeFile(victim, 'victim');
    const path = join(dir, 'devices.json');
    await writeFile(path, 'old');
    await symlink(victim, `${path}.${process.pid}.tmp`);
    await replaceFileDurably(path, 'new');
    expect(await readFile(victim, 'utf8')).toBe('victim');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await lstat(path)).isSymbolicLink()).toBe(false);

    const ack = join(dir, 'ack');
    await symlink(victim, join(dir, 'ack.tmp'));
    await replaceFileDurably(ack, 'ack', { temporary: join(dir, 'ack.tmp') });
    expect(await readFile(victim, 'utf8')).toBe('victim');
    expect(await readFile(ack, 'utf8')).toBe('ack');
    expect((await lstat(ack)).isSymbolicLink()).toBe(false);
    await expect(lstat(join(dir, 'ack.tmp'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
