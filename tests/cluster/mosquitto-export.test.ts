import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { addDevice } from '../../services/registry/device-admin.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { mosquittoPasswordHash } from '../../services/registry/mosquitto-export.ts';
import { runWanxiang } from './servers.ts';

const run = promisify(execFile);

describe('wanxiang devices export --mosquitto', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('hashes as mosquitto_passwd does ($7$, PBKDF2-SHA512, 101 iterations)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-passwd-'));
    dirs.push(dir);
    await run('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), 'alice', 's3cret-value']);
    const theirs = (await readFile(join(dir, 'passwd'), 'utf8')).trim().split(':')[1]!;
    const [, , iterations, salt] = theirs.split('$');
    expect(await mosquittoPasswordHash('s3cret-value', Buffer.from(salt!, 'base64'), Number(iterations))).toBe(theirs);
  });

  it('writes passwd, acl and mosquitto.conf; a device with a random secret is left out with a coded line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-export-'));
    dirs.push(dir);
    const seed = await loadRegistryFile('seeds/devices.json');
    const small = { ...seed, devices: seed.devices.slice(0, 3) };
    const template = seed.devices[0]!;
    const { secretHash: _hash, ...draft } = template;
    const { file } = await addDevice(small, { ...draft, id: 'air-random-1' });
    await writeFile(join(dir, 'devices.json'), JSON.stringify(file));
    const result = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'out'), '--port', '18999', '--registry', join(dir, 'devices.json')], { WX_FLEET_KEY: defaultFleetKey });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('WX_ERR_SECRET_NOT_DERIVABLE: air-random-1 left out (its secret is random: add it with mosquitto_passwd)\n');
    const passwd = await readFile(join(dir, 'out', 'passwd'), 'utf8');
    expect(passwd.split('\n').filter(Boolean).map((line) => line.split(':')[0])).toEqual(['wanxiang-ingest', 'observer', ...small.devices.map((d) => d.id)]);
    expect(passwd).toMatch(/^wanxiang-ingest:\$7\$101\$/);
    const acl = await readFile(join(dir, 'out', 'acl'), 'utf8');
    expect(acl).toContain(`user ${template.id}\ntopic write luohu/v1/air/${template.id}/telemetry\ntopic readwrite luohu/v1/air/${template.id}/status\ntopic read luohu/v1/air/${template.id}/cmd\n`);
    expect(acl).toContain('user wanxiang-ingest\ntopic read luohu/v1/+/+/telemetry\ntopic read luohu/v1/+/+/status\n');
    expect(acl).not.toContain('air-random-1');
    const conf = await readFile(join(dir, 'out', 'mosquitto.conf'), 'utf8');
    expect(conf).toContain('listener 18999 0.0.0.0');
    expect(conf).toContain('allow_anonymous false');
  });

  it('refuses a bad port with a coded line naming it, the usage, and exit 2', async () => {
    const result = await runWanxiang(['devices', 'export', '--mosquitto', join(tmpdir(), 'never'), '--port', 'x']);
    expect(result.stderr).toMatch(/^WX_ERR_INVALID_ARGUMENT: devices: --port takes an integer from 1 to 65535/);
    expect(result.code).toBe(2);
  });
});
