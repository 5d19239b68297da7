import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let registry: string;
const base = ['devices', 'add', '--family', 'air', '--site', 'five-minute', '--site-name', '5-minute station', '--street', 'cuizhu', '--lat', '22.55', '--lon', '114.12', '--attributes', '{"stationKind":"district"}'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxiang-devices-interval-'));
  registry = join(dir, 'devices.json');
  await copyFile('seeds/devices.json', registry);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// Issue 22 item 5: a device's registered report interval, which its hours' coverage is counted against.
describe('wanxiang devices add --report-interval', () => {
  it('registers the interval with the device', async () => {
    const run = await runCli([...base, '--id', 'air-five-minute', '--report-interval', '300000', '--registry', registry]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = JSON.parse(await readFile(registry, 'utf8')) as RegistryFile;
    expect(file.devices.find((device) => device.id === 'air-five-minute')!.reportIntervalMs).toBe(300_000);
  });

  it('refuses an interval under a second or over a day, exit 2 naming the option', async () => {
    for (const bad of ['999', '86400001', 'often']) {
      const run = await runCli([...base, '--id', `air-bad-${bad}`, '--report-interval', bad, '--registry', registry]);
      expect(run.code, bad).toBe(2);
      expect(run.stderr, bad).toMatch(/--report-interval/);
    }
  });
});
