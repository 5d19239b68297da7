import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySecret } from '../../services/registry/secrets.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let registry: string;
const base = ['devices', 'add', '--family', 'air', '--site', 'hj-test', '--site-name', 'HJ 212 test', '--street', 'cuizhu', '--lat', '22.55', '--lon', '114.12', '--attributes', '{"stationKind":"national"}'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxiang-devices-hj212-'));
  registry = join(dir, 'devices.json');
  await copyFile('seeds/devices.json', registry);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wanxiang devices add --hj212-mn --hj212-pw', () => {
  it('adds a station whose PW is stored only as a scrypt hash, with its CRC policy and alias map', async () => {
    const run = await runCli([...base, '--id', 'air-hj-station', '--hj212-mn', 'Z13401000010301', '--hj212-pw', 'BF470F88957588DE902D1A52', '--hj212-crc', 'compat', '--hj212-codes', '{"PM25":"a34004"}', '--registry', registry]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = JSON.parse(await readFile(registry, 'utf8')) as RegistryFile;
    const station = file.devices.find((device) => device.id === 'air-hj-station')!;
    expect(station.hj212).toMatchObject({ mn: 'Z13401000010301', crc: 'compat', codes: { PM25: 'a34004' } });
    expect(JSON.stringify(file)).not.toContain('BF470F88957588DE902D1A52');
    expect(await verifySecret('BF470F88957588DE902D1A52', station.hj212!.pwHash)).toBe(true);
  });

  it('refuses an MN without a PW, a duplicate MN and a bad CRC mode, exit 2 with one line', async () => {
    const noPw = await runCli([...base, '--id', 'air-hj-2', '--hj212-mn', 'X1', '--registry', registry]);
    expect(noPw.code).toBe(2);
    expect(noPw.stderr).toMatch(/needs both --hj212-mn and --hj212-pw/);
    const duplicate = await runCli([...base, '--id', 'air-hj-3', '--hj212-mn', 'Z13401000010301', '--hj212-pw', 'x', '--registry', registry]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toMatch(/duplicate HJ 212 MN/);
    const badCrc = await runCli([...base, '--id', 'air-hj-4', '--hj212-mn', 'X4', '--hj212-pw', 'x', '--hj212-crc', 'lax', '--registry', registry]);
    expect(badCrc.code).toBe(2);
    expect(badCrc.stderr).toMatch(/--hj212-crc takes one of strict, compat/);
  });
});
