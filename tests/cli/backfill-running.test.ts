import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { cliPath, repoRoot, runCli, stackTrace } from './run-cli.ts';

const adminToken = randomBytes(16).toString('hex');
const exists = (path: string) => access(path).then(() => true, () => false);
/** What the platform refused after acknowledging (InfluxDB's 4xx), for a failure's message. */
const deadLetters = async (dataDir: string) => {
  const folder = join(dataDir, 'dead-letter');
  const files = await readdir(folder).catch(() => [] as string[]);
  const texts = await Promise.all(files.map(async (file) => `${file}: ${(await readFile(join(folder, file), 'utf8').catch(() => '')).slice(0, 2_000)}`));
  return texts.length > 0 ? `dead letters: ${texts.join('\n')}` : 'no dead letters';
};

describe('backfill into a running platform counts what landed, says what was refused, opens a backfill window, raises no alarms (issue 19 item 3, issue 21)', () => {
  let live: TestPlatform;
  let work: string;
  let tokenFile: string;

  beforeAll(async () => {
    live = await startTestPlatform({ http: { tokens: [{ role: 'admin', token: adminToken }] } });
    work = await mkdtemp(join(tmpdir(), 'wanxiang-backfill-'));
    tokenFile = join(work, 'admin.token');
    await writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  const common = () => ['--url', live.endpoints.mqttUrl, '--data-dir', live.config.dataDir, '--devices', '2', '--seed', '7'];
  const env = () => ({ WX_FLEET_KEY: live.config.fleetKey, INFLUX_URL: '', INFLUX_DB: 'not_this_one' });

  it('readings older than the platform takes: exit 1, WX_ERR_BACKFILL_INCOMPLETE naming WX_ERR_TIME_TOO_OLD and the way around it; what landed is counted', async () => {
    const run = await runCli(['backfill', ...common(), '--from', '2025-03-01', '--to', '2025-03-02'], env());
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/landed in .*: 0 of \d+ readings of the range/);
    expect(run.stderr).toMatch(/^WX_ERR_BACKFILL_INCOMPLETE: backfill: \d+ of \d+ readings did not land; refused: WX_ERR_TIME_TOO_OLD .*--admin-token-file/m);
    // Which devices are short, and by how much: where to look when nothing says why.
    expect(run.stderr).toMatch(/; short: [\w-]+ 0 of \d+, [\w-]+ 0 of \d+$/m);
  });

  it('with --admin-token-file the platform\'s backfill window is opened for the run: everything lands, no alarm is raised, the window is closed after', async () => {
    const alarmsBefore = await test('/api/v1/alarms');
    const run = await runCli(['backfill', ...common(), '--from', '2025-03-01', '--to', '2025-03-03', '--admin-token-file', tokenFile], env());
    expect(run.code, run.stderr).toBe(0);
    const [, landed, planned] = /landed in .*: (\d+) of (\d+) readings/.exec(run.stdout)!;
    expect(Number(landed)).toBe(Number(planned));
    expect(Number(planned)).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/backfill window is open/);
    const window = await (await fetch(`${live.endpoints.httpUrl}/api/v1/admin/backfill-window`, { headers: { authorization: `Bearer ${adminToken}` } })).json() as { open: boolean };
    expect(window.open).toBe(false);
    expect(await test('/api/v1/alarms')).toEqual(alarmsBefore);
  });

  it('a backfill killed with -9 leaves the window open minutes, not a day: it is leased and renewed while the run lives (red team 6)', async () => {
    const child = spawn(process.execPath, [cliPath, 'backfill', ...common(), '--from', '2025-01-01', '--to', '2025-03-01', '--admin-token-file', tokenFile], { cwd: repoRoot, env: { ...process.env, ...env() }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/backfill window is open/.test(stderr)) resolve();
      });
      child.on('close', () => reject(new Error(`backfill ended before it opened the window: ${stderr}`)));
    });
    const killedAtMs = Date.now();
    child.kill('SIGKILL');
    const window = await (await fetch(`${live.endpoints.httpUrl}/api/v1/admin/backfill-window`, { headers: { authorization: `Bearer ${adminToken}` } })).json() as { open: boolean; until?: string };
    expect(window.open).toBe(true);
    expect(Date.parse(window.until!) - killedAtMs).toBeLessThanOrEqual(2 * 60_000 + 5_000);
    await fetch(`${live.endpoints.httpUrl}/api/v1/admin/backfill-window`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
  }, 60_000);

  it('the window is the history tools\': a live device, on its own secret, still cannot write a month-old reading while it is open (red team 10)', async () => {
    const opened = await fetch(`${live.endpoints.httpUrl}/api/v1/admin/backfill-window`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: Date.now() - 90 * 86_400_000, minutes: 5 }) });
    expect(opened.status).toBe(200);
    try {
      const device = await live.connect(live.device('air-guiyuan'));
      const refused = () => live.metric('wanxiang_readings_rejected_total', { reason: 'WX_ERR_TIME_TOO_OLD' });
      const before = await refused();
      const monthAgo = Date.now() - 30 * 86_400_000;
      await device.publishAsync(live.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ ts: monthAgo, pm25: 555 }), { qos: 1 });
      await expect.poll(refused, { timeout: 10_000 }).toBe(before + 1);
      expect(await live.platform.influx.query(`SELECT pm25_ugm3 FROM air_quality WHERE device = 'air-guiyuan' AND time = ${monthAgo}ms`)).toEqual([]);
    } finally {
      await fetch(`${live.endpoints.httpUrl}/api/v1/admin/backfill-window`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
    }
  });

  it('the window is admin only', async () => {
    const answer = await fetch(`${live.endpoints.httpUrl}/api/v1/admin/backfill-window`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 0 }) });
    expect(answer.status).toBe(401);
  });

  it('a range in the future: nothing stored, exit 1 naming WX_ERR_TIME_IN_FUTURE', async () => {
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const after = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const run = await runCli(['backfill', ...common(), '--from', tomorrow, '--to', after], env());
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_BACKFILL_INCOMPLETE: .*WX_ERR_TIME_IN_FUTURE/m);
  });

  async function test(path: string): Promise<unknown> {
    return (await fetch(`${live.endpoints.httpUrl}${path}`)).json();
  }
});

describe('Ctrl-C during a backfill says how to finish, and the rerun resumes (issue 19, item 3)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-backfill-stop-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('stops with exit 130 and a resume file; the same command again lands the whole range and removes it', async () => {
    const dataDir = join(work, 'data');
    const args = ['backfill', '--data-dir', dataDir, '--devices', '6', '--from', '2025-01-01', '--to', '2025-01-21', '--seed', '3'];
    const env = { INFLUX_URL: inject('influxUrl'), INFLUX_DB: `backfill_stop_${randomBytes(4).toString('hex')}`, WX_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        const before = stderr;
        stderr += chunk.toString();
        if (!before.includes(' devices, ') && stderr.includes(' devices, ')) child.kill('SIGINT');
      });
      child.on('close', (exit) => resolve(exit));
    });
    expect(stderr).not.toMatch(stackTrace);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopped after \d+ readings, each acknowledged\. To finish, run the same command again/);
    expect(stdout).toBe('');
    expect(await exists(join(dataDir, 'backfill-progress.json'))).toBe(true);

    const rerun = await runCli(args, env, 300_000);
    expect(rerun.code, `${rerun.stderr}\n${rerun.code === 0 ? '' : await deadLetters(dataDir)}`).toBe(0);
    expect(rerun.stderr).toMatch(/resuming an interrupted run/);
    const [, landed, planned] = /landed in .*: (\d+) of (\d+) readings/.exec(rerun.stdout)!;
    expect(Number(landed)).toBe(Number(planned));
    expect(rerun.stderr).toMatch(/\[backfill: rollups \(weeks\)\] \d+ \/ \d+/);
    expect(await exists(join(dataDir, 'backfill-progress.json'))).toBe(false);
  }, 360_000);
});
