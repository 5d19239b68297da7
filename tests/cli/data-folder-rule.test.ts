import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, access, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { cliPath, repoRoot, stackTrace, type CliRun } from './run-cli.ts';
import { spawnStart, type StartedCli } from './spawn-start.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const exists = (path: string) => access(path).then(() => true, () => false);

/** `wanxiang ...args` run from `cwd` (a copy of the repository's seeds: a write there is seen, and the real seeds stay safe). */
function runIn(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, WX_DATA_DIR: '', WX_FLEET_KEY: '', WX_REGISTRY_FILE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const newDevice = (id: string) => ['--id', id, '--family', 'parking', '--site', 'p-x', '--site-name', 'X', '--street', 'dongmen', '--lat', '22.55', '--lon', '114.12', '--attributes', '{"capacity":40,"lotKind":"office"}'];

describe('one data-folder rule: devices never write the repository\'s seeds (issue 19, item 6)', () => {
  let work: string;
  let checkout: string;
  let seedsBefore: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-rule-'));
    checkout = join(work, 'checkout');
    await cp(join(repoRoot, 'seeds'), join(checkout, 'seeds'), { recursive: true });
    seedsBefore = await readFile(join(checkout, 'seeds', 'devices.json'), 'utf8');
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('devices add before the first start makes the data folder\'s registry from the seeds and writes there; seeds/devices.json is untouched', async () => {
    const add = await runIn(checkout, ['devices', 'add', ...newDevice('pk-rule-1')]);
    expect(add.stderr).not.toMatch(stackTrace);
    expect(add.code, add.stderr).toBe(0);
    expect(await readFile(join(checkout, 'seeds', 'devices.json'), 'utf8')).toBe(seedsBefore);
    const dataDir = join(checkout, 'data');
    expect(add.stderr).toContain(`[devices] data folder ${dataDir}, registry ${join(dataDir, 'devices.json')}, fleet key the data folder's`);
    expect(await exists(join(dataDir, 'fleet-key'))).toBe(true);
    const installed = await loadRegistryFile(join(dataDir, 'devices.json'));
    expect(installed.devices.map((device) => device.id)).toContain('pk-rule-1');
    // The seeded devices came along, their secrets this installation's.
    expect(installed.devices.length).toBeGreaterThan(1);
  });

  it('--data-dir and WX_DATA_DIR name the folder, for every action', async () => {
    const flagged = join(work, 'flagged');
    const byFlag = await runIn(checkout, ['devices', 'add', '--data-dir', flagged, ...newDevice('pk-rule-2')]);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect((await loadRegistryFile(join(flagged, 'devices.json'))).devices.map((device) => device.id)).toContain('pk-rule-2');
    const list = await runIn(checkout, ['devices', 'list'], { WX_DATA_DIR: flagged });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^pk-rule-2\t/m);
    expect(list.stderr).toContain(`[devices] data folder ${flagged}, registry ${join(flagged, 'devices.json')}`);
    const disable = await runIn(checkout, ['devices', 'disable', '--id', 'pk-rule-2', '--data-dir', flagged]);
    expect(disable.code, disable.stderr).toBe(0);
    expect(await readFile(join(checkout, 'seeds', 'devices.json'), 'utf8')).toBe(seedsBefore);
  });

  it('with WX_FLEET_KEY (no installation registry) a change is refused rather than written into seeds/, naming the ways', async () => {
    const run = await runIn(checkout, ['devices', 'rotate', '--id', 'air-guiyuan', '--data-dir', join(work, 'keyed')], { WX_FLEET_KEY: 'a-fleet-key-of-this-city-0123456789abcdef' });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_FILE: devices: devices rotate would write the repository's seed registry .*seeds\/devices\.json: the seeds are read-only; .*--registry FILE/m);
    expect(await readFile(join(checkout, 'seeds', 'devices.json'), 'utf8')).toBe(seedsBefore);
  });
});

describe('the tools find the running platform\'s secrets through the same data folder (issue 19, item 6)', () => {
  let work: string;
  let dataDir: string;
  let platform: StartedCli;
  let mqttUrl: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-rule-tools-'));
    dataDir = join(work, 'platform-data');
    platform = await spawnStart(['--data-dir', dataDir, '--no-simulate', '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: inject('influxUrl'), INFLUX_DB: `rule_${process.pid}` });
    mqttUrl = /^\s+MQTT\s+(mqtt:\/\/\S+)/m.exec(platform.output())![1]!;
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('start says which data folder and registry it uses', () => {
    expect(platform.output()).toContain(`[start] data folder ${dataDir}, registry ${join(dataDir, 'devices.json')}, fleet key the data folder's`);
    expect(platform.output()).not.toContain('holds no devices');
  });

  it('start with a registry of no devices runs, and says that nothing can log in', async () => {
    const emptyDir = join(work, 'empty-registry');
    await mkdir(emptyDir, { recursive: true });
    const seeds = JSON.parse(await readFile(join(repoRoot, 'seeds', 'devices.json'), 'utf8')) as Record<string, unknown>;
    // An installation's registry takes the seeds' devices it lacks: an empty one is a registry file of one's own.
    const registryFile = join(emptyDir, 'empty.json');
    await writeFile(registryFile, JSON.stringify({ ...seeds, devices: [] }));
    const empty = await spawnStart(['--data-dir', join(emptyDir, 'data'), '--no-simulate', '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: inject('influxUrl'), INFLUX_DB: `rule_empty_${process.pid}`, WX_REGISTRY_FILE: registryFile, WX_FLEET_KEY: 'a-fleet-key-for-this-test-0123456789' });
    try {
      // Written to stderr just before the banner on stdout: the two pipes may arrive in either order.
      await expect.poll(() => empty.output(), { timeout: 5_000 }).toContain(`[start] the registry ${registryFile} holds no devices: no device can log in`);
    } finally {
      await empty.stop();
    }
  });

  it('record on another data folder: the refusal says where its secret came from and names --data-dir, not a password it never had', async () => {
    const elsewhere = join(work, 'never-started');
    const run = await runIn(repoRoot, ['record', '--url', mqttUrl, '--out', join(work, 'refused.ndjson.gz'), '--duration', '1'], { WX_DATA_DIR: elsewhere });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`[record] data folder ${elsewhere}, registry ${join(repoRoot, 'seeds', 'devices.json')}, fleet key the development key (the data folder has no installation yet`);
    expect(run.stderr).toMatch(new RegExp(`^WX_ERR_BAD_CREDENTIALS: record: the broker at .* refused the login .*: the data folder ${elsewhere} has no installation, so observer's secret was derived from the development key; give the running platform's data folder with --data-dir DIR \\(or WX_DATA_DIR\\)`, 'm'));
    expect(await exists(join(elsewhere, 'devices.json'))).toBe(false);
  });

  it('backfill --url on another data folder: the refusal names the key its secrets came from and --data-dir', async () => {
    const elsewhere = join(work, 'never-started-either');
    const run = await runIn(repoRoot, ['backfill', '--url', mqttUrl, '--influx-url', inject('influxUrl'), '--devices', '1', '--from', '2026-12-01', '--to', '2026-12-01T01:00'], { WX_DATA_DIR: elsewhere });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^WX_ERR_BAD_CREDENTIALS: backfill: .*the devices' secrets were derived from the development key \\(data folder ${elsewhere}\\): .*--data-dir DIR`, 'm'));
  });

  it('record, replay, simulate and rollup take --data-dir and say which folder they used', async () => {
    const recording = join(work, 'r.ndjson.gz');
    const record = await runIn(repoRoot, ['record', '--url', mqttUrl, '--data-dir', dataDir, '--out', recording, '--duration', '2']);
    expect(record.code, record.stderr).toBe(0);
    expect(record.stderr).toContain(`[record] data folder ${dataDir}, registry ${join(dataDir, 'devices.json')}`);

    const simulate = await runIn(repoRoot, ['simulate', '--url', mqttUrl, '--data-dir', dataDir, '--devices', '2', '--duration', '1']);
    expect(simulate.stderr).not.toMatch(stackTrace);
    expect(simulate.code, simulate.stderr).toBe(0);
    expect(simulate.stderr).toContain(`[simulate] data folder ${dataDir}`);

    const replay = await runIn(repoRoot, ['replay', recording, '--url', mqttUrl, '--data-dir', dataDir, '--speed', 'max']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toContain(`[replay] data folder ${dataDir}`);

    const rollup = await runIn(repoRoot, ['rollup', '--data-dir', dataDir, '--from', '2026-01-01', '--to', '2026-01-02'], { INFLUX_URL: '' });
    expect(rollup.code, rollup.stderr).toBe(0);
    expect(rollup.stderr).toContain(`[rollup] data folder ${dataDir}`);
  });
});

describe('a platform run on the seeds takes no registry change into them (issue 19, item 6)', () => {
  const admin = 'admin-token-of-the-seed-guard-0123';
  let live: TestPlatform;

  beforeAll(async () => {
    live = await startTestPlatform({ registryFile: 'seeds/devices.json', http: { tokens: [{ role: 'admin', token: admin }] } });
  });

  afterAll(async () => {
    await live?.close();
  });

  it('rotate through the admin API is refused with WX_ERR_FILE; seeds/devices.json is untouched', async () => {
    const before = await readFile(join(repoRoot, 'seeds', 'devices.json'), 'utf8');
    const answer = await fetch(`${live.endpoints.httpUrl}/api/v1/devices/air-guiyuan/rotate`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(answer.status).not.toBe(200);
    expect(((await answer.json()) as { code: string }).code).toBe('WX_ERR_FILE');
    expect(await readFile(join(repoRoot, 'seeds', 'devices.json'), 'utf8')).toBe(before);
  });
});
