import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { cliPath, repoRoot, runCli } from './run-cli.ts';

describe('start: secure by default, the screen first (issue 13, item 22)', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-banner-'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('a non-loopback start with the development fleet key is refused before anything starts', async () => {
    const run = await runCli(['start', '--host', '0.0.0.0', '--data-dir', join(work, 'refused')], { INFLUX_URL: '', WX_FLEET_KEY: defaultFleetKey });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_INSECURE_LISTEN: start: MQTT on 0\.0\.0\.0 and the API on 0\.0\.0\.0 would listen beyond loopback with the development fleet key.*WX_ALLOW_INSECURE_DEMO=1/m);
    await expect(access(join(work, 'refused'))).rejects.toThrow();
  });

  it('with a key of this installation, a network start still needs the admin and operator tokens', async () => {
    const run = await runCli(['start', '--host', '0.0.0.0', '--data-dir', join(work, 'no-tokens')], { INFLUX_URL: '', WX_FLEET_KEY: '', WX_API_TOKENS: '' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_INSECURE_LISTEN: start: the API would listen on 0\.0\.0\.0 without a token for admin and operator: set WX_API_TOKENS/m);
  });

  it('with --insecure-demo it starts, prints the screen address as the first line, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(work, 'demo');
    const child = spawn(process.execPath, [cliPath, 'start', '--host', '0.0.0.0', '--insecure-demo', '--no-simulate', '--influx-url', inject('influxUrl'), '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0', '--data-dir', dataDir], {
      cwd: repoRoot,
      env: { ...process.env, INFLUX_DB: `banner_${process.pid}`, WX_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    expect(first).toMatch(/^Screen\s+http:\/\/127\.0\.0\.1:\d+\/$/);
    await access(join(dataDir, 'runtime.json'));
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect(access(join(dataDir, 'runtime.json'))).rejects.toThrow();
  });
});
