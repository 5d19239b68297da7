import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderLockPath, lockDataFolder } from '../../services/data-folder/folder-lock.ts';
import { processIdentity } from '../../services/process-identity.ts';
import { startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { spawnStart } from './spawn-start.ts';

const answers = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Locks left by a run that is gone never keep a data folder locked (issue 19, tried again with
 * other mistakes): a `kill -9` of the platform leaves its influxd running, and a pid in a lock may
 * since belong to another process (a reboot; pid 1 of a restarted container is the new run itself).
 */
describe('a data folder whose run was killed starts again', () => {
  let work: string;
  let bystander: ChildProcess;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-stale-'));
    // An unrelated live process whose pid a stale lock names.
    bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
    await once(bystander, 'spawn');
  });

  afterAll(async () => {
    bystander?.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('after kill -9 of start, the next start stops the influxd it left and runs', async () => {
    const dataDir = join(work, 'killed');
    const args = ['--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'];
    const first = await spawnStart(args, { INFLUX_URL: '' });
    const influxdPid = (JSON.parse(await readFile(join(dataDir, 'influxdb', 'influxd.lock'), 'utf8')) as { influxd: number }).influxd;
    await first.stop('SIGKILL');
    expect(answers(influxdPid)).toBe(true); // what a user sees after kill -9: influxd still runs

    const second = await spawnStart(args, { INFLUX_URL: '' });
    try {
      expect(second.output()).toMatch(new RegExp(`influxd ${influxdPid} was left running on .* by process ${first.child.pid}, which is gone`));
      expect(answers(influxdPid)).toBe(false);
      const health = await fetch(`${second.httpUrl}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('a data-folder lock naming a pid now used by another process is taken over; one naming the live holder is not', async () => {
    const folder = join(work, 'reused');
    await mkdir(folder, { recursive: true });
    const real = (await processIdentity(bystander.pid!))!;
    expect(real).toBeDefined();
    // The pid runs, but it is not the process that took the lock (another start time).
    await writeFile(folderLockPath(folder), JSON.stringify({ pid: bystander.pid, command: 'start', startedAt: '2026-01-01T00:00:00.000Z', identity: { ...real, startTicks: '1' } }));
    const lock = await lockDataFolder(folder, 'test');
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, identity: await processIdentity(process.pid) });
    await lock.release();

    await writeFile(folderLockPath(folder), JSON.stringify({ pid: bystander.pid, command: 'start', startedAt: '2026-01-01T00:00:00.000Z', identity: real }));
    await expect(lockDataFolder(folder, 'test')).rejects.toMatchObject({ code: 'WX_ERR_DATA_DIR_LOCKED' });
    await rm(folderLockPath(folder));

    // A lock from before identities were kept that names this very process: an earlier life's
    // (the platform is pid 1 again in a restarted container), not ours.
    await writeFile(folderLockPath(folder), JSON.stringify({ pid: process.pid, command: 'start', startedAt: '2026-01-01T00:00:00.000Z' }));
    const again = await lockDataFolder(folder, 'test');
    await again.release();
  });

  it('a data-folder lock naming a killed run its parent has not reaped (a zombie) is taken over (red team 11)', async () => {
    const folder = join(work, 'zombie');
    await mkdir(folder, { recursive: true });
    // A parent that never wait()s (sh replaced by sleep) over a child killed with -9: the child stays a zombie,
    // with its pid, its start time, and an answer to kill(pid, 0), as a platform a supervisor script started and
    // did not reap after kill -9.
    const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; kill -9 $!; exec sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
      const zombie = Number(chunk.toString().trim());
      await expect.poll(async () => (await readFile(`/proc/${zombie}/stat`, 'utf8')).split(') ')[1]?.[0], { timeout: 5_000 }).toBe('Z');
      expect(answers(zombie)).toBe(true);
      await writeFile(folderLockPath(folder), JSON.stringify({ pid: zombie, command: 'start', startedAt: '2026-01-01T00:00:00.000Z', identity: await processIdentity(zombie) }));
      const lock = await lockDataFolder(folder, 'test');
      expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('an influxd lock naming pids now used by other processes is taken over', async () => {
    const dataDir = join(work, 'reused-influxd');
    await mkdir(dataDir, { recursive: true });
    const real = (await processIdentity(bystander.pid!))!;
    const notIt = { ...real, startTicks: '1' };
    await writeFile(join(dataDir, 'influxd.lock'), JSON.stringify({ owner: bystander.pid, influxd: bystander.pid, ownerIdentity: notIt, influxdIdentity: notIt }));
    const influxd = await startLocalInfluxd({ dataDir });
    try {
      expect(JSON.parse(await readFile(join(dataDir, 'influxd.lock'), 'utf8'))).toMatchObject({ owner: process.pid, influxd: influxd.pid });
      expect(answers(bystander.pid!)).toBe(true); // never signalled: it is not an influxd of ours
    } finally {
      await influxd.stop();
    }
  });
});
