import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimePath } from '../../services/runtime-file.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { cliPath, repoRoot, runCli, stackTrace } from './run-cli.ts';

describe('report and rollup find the running platform; output on stdout, logs on stderr (issue 13, items 2, 8, 20)', () => {
  let live: TestPlatform;

  beforeAll(async () => {
    live = await startTestPlatform();
  });

  afterAll(async () => {
    await live?.close();
  });

  it('report --format json finds the API from the data folder and prints JSON only on stdout', async () => {
    const run = await runCli(['report', '--period', '2025', '--format', 'json', '--data-dir', live.config.dataDir], { WX_LOG_LEVEL: 'info' });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { period?: unknown };
    expect(report).toHaveProperty('period');
  });

  it('rollup finds InfluxDB and the database from the data folder', async () => {
    const run = await runCli(['rollup', '--from', '2025-06-01', '--to', '2025-06-02', '--data-dir', live.config.dataDir], { INFLUX_URL: '', INFLUX_DB: 'not_this_one' });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^rolled up 7 windows/); // a day of each family with rollups: the five, waterlogging and EV charging
  });

  it('the platform removes runtime.json at close', async () => {
    const other = await startTestPlatform();
    const path = runtimePath(other.config.dataDir);
    await access(path);
    await other.platform.close();
    await expect(access(path)).rejects.toThrow();
    await other.close().catch(() => undefined);
  });

  it('devices add --help lists each family\'s required attributes', async () => {
    const run = await runCli(['devices', 'add', '--help']);
    expect(run.code).toBe(0);
    // Waterlogging's attributes come in two kinds (a union): a line each, once nothing at all.
    for (const attribute of ['stationKind (national|municipal|district)', 'targetClass (I|II|III|IV|V)', 'ratedKva (number > 0', 'capacity (integer > 0', 'zoneClass (0|1|2|3|4a|4b)', 'gauge=depth, pointKind (underpass|low-road|tunnel|culvert), cautionCm (number > 0 ≤ 300, default 15)', 'gauge=rain, resolutionMm', 'connector (dc|ac)']) {
      expect(run.stdout).toContain(attribute);
    }
  });

  it('devices list | head -1: the reader leaving ends the command quietly (EPIPE)', async () => {
    const child = spawn(process.execPath, [cliPath, 'devices', 'list', '--registry', join(repoRoot, 'seeds/devices.json')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
