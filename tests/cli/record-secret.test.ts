import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { runWithStdin } from '../helpers/run-cli-stdin.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli, stackTrace } from './run-cli.ts';

describe('record takes its secret from a file, stdin or the environment, never argv (issue 18, item 20)', () => {
  let live: TestPlatform;
  let work: string;
  let secret: string;

  beforeAll(async () => {
    live = await startTestPlatform();
    work = await mkdtemp(join(tmpdir(), 'wanxiang-record-secret-'));
    secret = simulatedDeviceSecret(live.config.fleetKey, 'observer');
  });

  afterAll(async () => {
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses --password with the way to do it instead (exit 2)', async () => {
    const run = await runCli(['record', '--url', live.endpoints.mqttUrl, '--password', secret, '--out', join(work, 'argv.gz'), '--duration', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^WX_ERR_INVALID_ARGUMENT: record: --password puts the secret in the process list .* --password-file/m);
  });

  it('records with --password-file FILE, with --password-file - (stdin), and with WX_OBSERVER_PASSWORD', async () => {
    const file = join(work, 'observer.secret');
    await writeFile(join(work, 'observer.secret'), `${secret}\n`, { mode: 0o600 });
    const env = { WX_FLEET_KEY: 'not-the-key-of-this-platform-at-all' };
    const fromFile = await runCli(['record', '--url', live.endpoints.mqttUrl, '--password-file', file, '--out', join(work, 'file.gz'), '--duration', '1'], env);
    expect(fromFile.stderr).not.toMatch(stackTrace);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const fromStdin = await runWithStdin(['record', '--url', live.endpoints.mqttUrl, '--password-file', '-', '--out', join(work, 'stdin.gz'), '--duration', '1'], `${secret}\n`, env);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const fromEnv = await runCli(['record', '--url', live.endpoints.mqttUrl, '--out', join(work, 'env.gz'), '--duration', '1'], { ...env, WX_OBSERVER_PASSWORD: secret });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    // What a command creates is its user's alone (issue 18, item 17).
    expect((await stat(join(work, 'env.gz'))).mode & 0o777).toBe(0o600);
  });
});
