import { once } from 'node:events';
import { access, mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { runCli, stackTrace } from './run-cli.ts';

/** PIDs of influxd processes whose command line names a folder under `dir`. */
async function influxdUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0')[0]?.endsWith('influxd') && cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('a failed start leaves nothing running; a data folder in use is refused (issue 13, item 9)', () => {
  let work: string;
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-start-'));
    taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    takenPort = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    taken?.close();
    for (const pid of await influxdUnder(work)) process.kill(pid, 'SIGKILL'); // only ours: they live under our temp folder
    await rm(work, { recursive: true, force: true });
  });

  it('a start whose port is taken exits 1 with WX_ERR_PORT_IN_USE and stops the influxd it had started', async () => {
    const dataDir = join(work, 'port-taken');
    const run = await runCli(['start', '--no-simulate', '--data-dir', dataDir, '--mqtt-port', String(takenPort), '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '' });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^WX_ERR_PORT_IN_USE: start: port ${takenPort} on 127\\.0\\.0\\.1 is in use`, 'm'));
    // influxd did start (its folder is there) and is gone again, lock file and all.
    expect(await exists(join(dataDir, 'influxdb', 'influxd.conf'))).toBe(true);
    expect(await influxdUnder(dataDir)).toEqual([]);
    expect(await exists(join(dataDir, 'influxdb', 'influxd.lock'))).toBe(false);
    expect(await exists(join(dataDir, 'runtime.json'))).toBe(false);
  });

  it('start --replay nosuchfile is refused before anything starts', async () => {
    const dataDir = join(work, 'no-replay');
    const run = await runCli(['start', '--data-dir', dataDir, '--replay', join(work, 'nosuchfile')], { INFLUX_URL: '' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_FILE: start: cannot read the recording/m);
    expect(await exists(join(dataDir, 'influxdb'))).toBe(false);
  });

  it('a second influxd on a data folder in use is refused, naming the process; the lock goes with the first', async () => {
    const dataDir = join(work, 'in-use');
    const first = await startLocalInfluxd({ dataDir: join(dataDir, 'influxdb') });
    try {
      await expect(startLocalInfluxd({ dataDir: join(dataDir, 'influxdb') })).rejects.toMatchObject({ code: 'WX_ERR_DATA_DIR_LOCKED' });
      const run = await runCli(['start', '--no-simulate', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '' });
      expect(run.stderr).not.toMatch(stackTrace);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^WX_ERR_DATA_DIR_LOCKED: start: .* in use by influxd ${first.pid}`, 'm'));
      expect(await influxdUnder(dataDir)).toEqual([first.pid]);
    } finally {
      await first.stop();
    }
    expect(await exists(join(dataDir, 'influxdb', 'influxd.lock'))).toBe(false);
  });

  it('a lock left by processes that are gone (a crash) is taken over', async () => {
    const dataDir = join(work, 'stale', 'influxdb');
    await mkdir(dataDir, { recursive: true });
    // PID 2^22 + 1 is above Linux's pid_max limit: no such process can exist.
    await writeFile(join(dataDir, 'influxd.lock'), JSON.stringify({ owner: 4_194_305, influxd: 4_194_305 }));
    const influxd = await startLocalInfluxd({ dataDir });
    const lock = JSON.parse(await readFile(join(dataDir, 'influxd.lock'), 'utf8')) as { owner: number; influxd: number };
    expect(lock).toMatchObject({ owner: process.pid, influxd: influxd.pid });
    await influxd.stop();
  });
});
