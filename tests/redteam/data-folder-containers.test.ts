import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { folderLockPath } from '../../services/data-folder/folder-lock.ts';
import { cliPath, repoRoot } from '../cli/run-cli.ts';

// A PID namespace of its own, as each container has: the process is pid 1 in it, as the image's platform is.
const inContainer = ['--pid', '--fork', '--mount-proc', ...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'])];
const canUnshare = spawnSync('unshare', [...inContainer, 'true']).status === 0;

interface Run { readonly child: ChildProcess; output(): string; readonly exited: Promise<number | null>; stop(signal?: NodeJS.Signals): Promise<void> }

/** The pid (in this namespace) of the process unshare forked: signals to unshare itself are not passed on. */
const forkedChild = async (unsharePid: number) => Number((await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8')).trim().split(' ')[0]);

/** Resolves once the run's banner is out; rejects if it exits first or takes past `timeoutMs`. */
async function running(run: Run, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes('Wanxiang is running')) {
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`the platform did not start:\n${run.output()}`);
    await delay(100);
  }
}

/** `wanxiang ARGS` in a PID namespace of its own (a container sharing the data volume with another). */
function runInContainer(args: readonly string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn('unshare', [...inContainer, process.execPath, cliPath, ...args], { cwd: repoRoot, env: { ...process.env, WX_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const pid = await forkedChild(child.pid!).catch(() => 0);
    if (pid > 0) process.kill(pid, signal);
    const code = await Promise.race([exited, delay(30_000).then(() => 'hung' as const)]);
    if (code === 'hung' && pid > 0) process.kill(pid, 'SIGKILL');
    await exited;
  };
  return { child, output: () => text, exited, stop };
}

/**
 * Two containers on one data volume (`docker compose run wanxiang ...` beside the running
 * service, or a second `docker run -v wanxiang-data:/data`): each platform is pid 1 in its own
 * PID namespace. The second read the first's lock, found pid 1 alive but with another start time
 * (its own), took the lock for a dead run's, and recovered the running platform's spool.
 */
describe.skipIf(!canUnshare)('red team: a second container on a running data folder', () => {
  let work: string;
  let first: Run;
  const dataDir = () => join(work, 'data');
  const env = () => ({ INFLUX_URL: inject('influxUrl'), INFLUX_DB: `containers_${randomBytes(4).toString('hex')}` });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-containers-'));
    // The simulated fleet on: the first platform's spool is written and acknowledged.
    first = runInContainer(['start', '--data-dir', dataDir(), '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0', '--hj212-port', '-1'], env());
    await running(first, 60_000);
    while ((await readFile(join(dataDir(), 'spool', 'ack'), 'utf8').catch(() => '')) === '') await delay(100);
  }, 90_000);
  afterAll(async () => {
    await first?.stop();
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('is refused, and leaves the first\'s lock and spool segments as they are', async () => {
    const lockBefore = await readFile(folderLockPath(dataDir()), 'utf8');
    const spool = join(dataDir(), 'spool');
    const segments = (await readdir(spool)).filter((name) => name.endsWith('.seg'));
    const inodes = await Promise.all(segments.map(async (name) => (await stat(join(spool, name))).ino));

    const second = runInContainer(['start', '--data-dir', dataDir(), '--no-simulate', '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0', '--hj212-port', '-1'], env());
    const code = await Promise.race([second.exited, delay(45_000).then(() => 'still running')]);
    if (code === 'still running') await second.stop();
    expect(code, second.output()).toBe(1);
    expect(second.output()).toMatch(/^WX_ERR_DATA_DIR_LOCKED: start: the data folder .* is in use by 'wanxiang start' \(process 1,/m);
    expect(await readFile(folderLockPath(dataDir()), 'utf8')).toBe(lockBefore);
    for (const [i, name] of segments.entries()) {
      // The same file, not one recreated under its name (a segment the first rolled past may be gone by its own hand).
      const now = await stat(join(spool, name)).catch(() => undefined);
      if (now) expect(now.ino).toBe(inodes[i]);
    }
    expect(first.child.exitCode).toBe(null);
  }, 90_000);

  it('after kill -9 of the first, a new container starts on the folder once the lock\'s lease ran out', async () => {
    await first.stop('SIGKILL');
    const started = Date.now();
    const next = runInContainer(['start', '--data-dir', dataDir(), '--no-simulate', '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0', '--hj212-port', '-1'], env());
    try {
      await running(next, 60_000);
      // Within the lease (20 s) and the start's own time.
      expect(Date.now() - started).toBeLessThan(50_000);
      expect(JSON.parse(await readFile(folderLockPath(dataDir()), 'utf8'))).toMatchObject({ pid: 1, command: 'start' });
    } finally {
      await next.stop();
    }
  }, 90_000);
});
