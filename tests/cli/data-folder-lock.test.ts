import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderLockPath, lockDataFolder } from '../../services/data-folder/folder-lock.ts';
import { runCli, stackTrace } from './run-cli.ts';
import { spawnStart, type StartedCli } from './spawn-start.ts';

const exists = (path: string) => access(path).then(() => true, () => false);
const ackOf = (dataDir: string) => readFile(join(dataDir, 'spool', 'ack'), 'utf8').catch(() => '');

/** Waits until `check` holds, polling (a file's content has no event to await). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

describe('the data folder is one run\'s alone, whatever database (issue 19, item 1)', () => {
  let work: string;
  let first: StartedCli;
  let dataDir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-lock-'));
    dataDir = join(work, 'data');
    // Its own local influxd, the simulated fleet on: its spool is written and acknowledged.
    first = await spawnStart(['--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '' });
  });

  afterAll(async () => {
    await first?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('a second start with INFLUX_URL = the first\'s influxd is refused; the first\'s spool, runtime.json and acknowledgements are untouched', async () => {
    await until(async () => (await ackOf(dataDir)) !== '', 'the first acknowledgement');
    const runtimeBefore = await readFile(join(dataDir, 'runtime.json'), 'utf8');
    const { influxUrl, pid } = JSON.parse(runtimeBefore) as { influxUrl: string; pid: number };
    const segments = (await readdir(join(dataDir, 'spool'))).filter((name) => name.endsWith('.seg'));
    const inodes = await Promise.all(segments.map(async (name) => (await stat(join(dataDir, 'spool', name))).ino));

    const second = await runCli(['start', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: influxUrl });
    expect(second.stderr).not.toMatch(stackTrace);
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^WX_ERR_DATA_DIR_LOCKED: start: the data folder .* is in use by 'wanxiang start' \\(process ${pid}`, 'm'));
    // The hint never leads to sharing the folder.
    expect(second.stderr).not.toMatch(/INFLUX_URL/);

    expect(await readFile(join(dataDir, 'runtime.json'), 'utf8')).toBe(runtimeBefore);
    for (const [i, name] of segments.entries()) {
      // The same file, not one recreated under its name (a segment the first rolled past may be gone by its own hand).
      const now = await stat(join(dataDir, 'spool', name)).catch(() => undefined);
      if (now) expect(now.ino).toBe(inodes[i]);
    }
    const ackBefore = await ackOf(dataDir);
    await until(async () => (await ackOf(dataDir)) !== ackBefore, 'the first platform\'s acknowledgements to advance');
    expect(first.output()).not.toMatch(/ENOENT/);
  });

  it('backfill without --url on the running folder is refused too', async () => {
    const run = await runCli(['backfill', '--from', '2025-01-01', '--to', '2025-01-02', '--devices', '1', '--data-dir', dataDir], { INFLUX_URL: '' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_DATA_DIR_LOCKED: backfill: /m);
    expect(await exists(join(dataDir, 'runtime.json'))).toBe(true);
  });

  it('a lock left by a process that is gone is taken over; a live one is not, and each run removes only its own', async () => {
    const folder = join(work, 'stale');
    await mkdir(folder, { recursive: true });
    // PID 2^22 + 1 is above Linux's pid_max limit: no such process can exist.
    await writeFile(folderLockPath(folder), JSON.stringify({ pid: 4_194_305, command: 'start', startedAt: 'then' }));
    const lock = await lockDataFolder(folder, 'test');
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'test' });
    await expect(lockDataFolder(folder, 'again')).rejects.toMatchObject({ code: 'WX_ERR_DATA_DIR_LOCKED' });
    await lock.release();
    expect(await exists(lock.path)).toBe(false);
    // The running platform's lock names it.
    expect(JSON.parse(await readFile(folderLockPath(dataDir), 'utf8'))).toMatchObject({ pid: first.child.pid, command: 'start' });
  });
});
