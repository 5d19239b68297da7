import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySecret } from '../../services/registry/secrets.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { runWithStdin } from '../helpers/run-cli-stdin.ts';
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

  it('rotates a station\'s PW with its secret: a new one shown once, or the one of --hj212-pw-file (red team 10)', async () => {
    const pwOf = async () => (JSON.parse(await readFile(registry, 'utf8')) as RegistryFile).devices.find((device) => device.id === 'air-hj-station')!.hj212!.pwHash;
    const made = await runCli(['devices', 'rotate', '--id', 'air-hj-station', '--registry', registry]);
    expect(made.code, made.stderr).toBe(0);
    const pw = /its new HJ 212 PW \(shown once; set it on the station's data logger\): ([0-9A-F]{24})\n/.exec(made.stdout)?.[1];
    expect(pw).toBeDefined();
    expect(await verifySecret(pw!, await pwOf())).toBe(true);
    expect(await verifySecret('BF470F88957588DE902D1A52', await pwOf())).toBe(false);
    await writeFile(join(dir, 'chosen-pw'), 'Logger-PW-2026\n');
    const chosen = await runCli(['devices', 'rotate', '--id', 'air-hj-station', '--hj212-pw-file', join(dir, 'chosen-pw'), '--registry', registry]);
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).not.toContain('Logger-PW-2026');
    expect(await verifySecret('Logger-PW-2026', await pwOf())).toBe(true);
  });

  it('refuses an MN without a PW, a duplicate MN and a bad CRC mode, exit 2 with one line', async () => {
    const noPw = await runCli([...base, '--id', 'air-hj-2', '--hj212-mn', 'X1', '--registry', registry]);
    expect(noPw.code).toBe(2);
    expect(noPw.stderr).toMatch(/needs both --hj212-mn and --hj212-pw/);
    const duplicate = await runCli([...base, '--id', 'air-hj-3', '--hj212-mn', 'Z13401000010301', '--hj212-pw', 'x1y2z3', '--registry', registry]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toMatch(/duplicate HJ 212 MN/);
    const badCrc = await runCli([...base, '--id', 'air-hj-4', '--hj212-mn', 'X4', '--hj212-pw', 'x1y2z3', '--hj212-crc', 'lax', '--registry', registry]);
    expect(badCrc.code).toBe(2);
    expect(badCrc.stderr).toMatch(/--hj212-crc takes one of strict, compat/);
  });
});

/** Red team 7: `--hj212-pw 1` was taken, and the PW could only be given in argv, where `ps` shows it. */
describe('wanxiang devices add: the HJ 212 PW', () => {
  const stationOf = async (id: string) => (JSON.parse(await readFile(registry, 'utf8')) as RegistryFile).devices.find((device) => device.id === id);

  it('refuses a PW shorter than 6 characters, or one holding a field separator, exit 2 with one line naming it', async () => {
    const short = await runCli([...base, '--id', 'air-hj-5', '--hj212-mn', 'X5', '--hj212-pw', '1', '--registry', registry]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--hj212-pw: an HJ 212 PW has at least 6 characters, not 1/);
    const separator = await runCli([...base, '--id', 'air-hj-5', '--hj212-mn', 'X5', '--hj212-pw', 'abc;def', '--registry', registry]);
    expect(separator.code).toBe(2);
    expect(separator.stderr).toMatch(/cannot hold ; , = or &/);
    const both = await runCli([...base, '--id', 'air-hj-5', '--hj212-mn', 'X5', '--hj212-pw', 'abcdef', '--hj212-pw-file', '-', '--registry', registry]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give the HJ 212 PW once/);
    expect(await stationOf('air-hj-5')).toBeUndefined();
  });

  it('reads the PW from a file (a short one there is refused too) or from stdin, never needing argv', async () => {
    const file = join(dir, 'station.pw');
    await writeFile(file, '12345\n', { mode: 0o600 });
    const short = await runCli([...base, '--id', 'air-hj-6', '--hj212-mn', 'X6', '--hj212-pw-file', file, '--registry', registry]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--hj212-pw-file .*at least 6 characters, not 5/);
    await writeFile(file, 'Station-PW-from-a-file\n', { mode: 0o600 });
    const fromFile = await runCli([...base, '--id', 'air-hj-6', '--hj212-mn', 'X6', '--hj212-pw-file', file, '--registry', registry]);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.code).toBe(0);
    expect(await verifySecret('Station-PW-from-a-file', (await stationOf('air-hj-6'))!.hj212!.pwHash)).toBe(true);
    const fromStdin = await runWithStdin([...base, '--id', 'air-hj-7', '--hj212-mn', 'X7', '--hj212-pw-file', '-', '--registry', registry], 'PW-from-stdin-0042\n');
    expect(fromStdin.stderr).toBe('');
    expect(fromStdin.code).toBe(0);
    expect(await verifySecret('PW-from-stdin-0042', (await stationOf('air-hj-7'))!.hj212!.pwHash)).toBe(true);
  });
});
