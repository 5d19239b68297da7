import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { addDevice } from '../../services/registry/device-admin.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { mosquittoPasswordHash } from '../../services/registry/mosquitto-export.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { freePort, runWanxiang, startMosquittoAsConfigured } from './servers.ts';

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
    expect(conf).toContain('listener 18999 127.0.0.1');
    expect(conf).toContain('allow_anonymous false');
  });

  it('replaces a symbolic link planted at a file\'s name, and writes nothing where it points', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-export-'));
    dirs.push(dir);
    const out = join(dir, 'out');
    await mkdir(out);
    const victim = join(dir, 'victim');
    await writeFile(victim, 'the victim\'s own text\n');
    for (const name of ['passwd', 'passwd-readers', 'mosquitto.conf']) await symlink(victim, join(out, name));
    // A link to nowhere: written through, it made the file it names.
    await symlink(join(dir, 'made-by-the-export'), join(out, 'acl'));
    // A folder of someone else's at `data`: as root the export gave it to the mosquitto user.
    const theirs = join(dir, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    await symlink(theirs, join(out, 'data'));
    const owner = (await stat(theirs)).uid;
    const result = await runWanxiang(['devices', 'export', '--mosquitto', out, '--port', '18999', '--registry', 'seeds/devices.json'], { WX_FLEET_KEY: defaultFleetKey });
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('the victim\'s own text\n');
    await expect(stat(join(dir, 'made-by-the-export'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(theirs)).uid).toBe(owner);
    for (const name of ['passwd', 'passwd-readers', 'acl', 'mosquitto.conf']) {
      const file = await lstat(join(out, name));
      expect([name, file.isFile(), file.mode & 0o777]).toEqual([name, true, 0o600]);
    }
    expect(await readFile(join(out, 'mosquitto.conf'), 'utf8')).toContain('listener 18999 127.0.0.1');
    expect(await readFile(join(out, 'passwd'), 'utf8')).toMatch(/^wanxiang-ingest:\$7\$101\$/);
  });

  it('refuses a bad port with a coded line naming it, the usage, and exit 2', async () => {
    const result = await runWanxiang(['devices', 'export', '--mosquitto', join(tmpdir(), 'never'), '--port', 'x']);
    expect(result.stderr).toMatch(/^WX_ERR_INVALID_ARGUMENT: devices: --port takes an integer from 1 to 65535/);
    expect(result.code).toBe(2);
  });
});

describe('the exported mosquitto: loopback unless told, TLS when exposed, a client id bound to its login, runs as root as written (issue 18 items 5, 18; issue 19 item 4)', () => {
  const dirs: string[] = [];
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 by default, binds client ids to logins, and gives the ingest workers a listener devices cannot log in to', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-export-'));
    dirs.push(dir);
    const result = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'out'), '--port', '18999', '--registry', 'seeds/devices.json'], { WX_FLEET_KEY: defaultFleetKey });
    expect(result.code, result.stderr).toBe(0);
    const conf = await readFile(join(dir, 'out', 'mosquitto.conf'), 'utf8');
    expect(conf).toContain('listener 18999 127.0.0.1\nallow_anonymous false\nuse_username_as_clientid true\n');
    expect(conf).toContain('listener 19000 127.0.0.1\nallow_anonymous false\npassword_file');
    expect(conf).not.toContain('0.0.0.0');
    const readers = await readFile(join(dir, 'out', 'passwd-readers'), 'utf8');
    expect(readers.split('\n').filter(Boolean).map((line) => line.split(':')[0])).toEqual(['wanxiang-ingest']);
  });

  it('refuses a listener beyond loopback without TLS (exit 2), and writes the TLS settings with one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-export-'));
    dirs.push(dir);
    const plain = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'plain'), '--bind', '0.0.0.0', '--registry', 'seeds/devices.json'], { WX_FLEET_KEY: defaultFleetKey });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/^WX_ERR_INVALID_ARGUMENT: devices: --bind: a listener on 0\.0\.0\.0 \(beyond loopback\) needs TLS/);
    const tls = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'tls'), '--bind', '0.0.0.0', '--port', '8883', '--tls-cert', '/etc/wanxiang/cert.pem', '--tls-key', '/etc/wanxiang/key.pem', '--registry', 'seeds/devices.json'], { WX_FLEET_KEY: defaultFleetKey });
    expect(tls.code, tls.stderr).toBe(0);
    const conf = await readFile(join(dir, 'tls', 'mosquitto.conf'), 'utf8');
    expect(conf).toContain('listener 8883 0.0.0.0\ncertfile /etc/wanxiang/cert.pem\nkeyfile /etc/wanxiang/key.pem\ntls_version tlsv1.2\n');
  });

  it('runs with the real mosquitto as written (as root it drops to its user): a device cannot knock another offline with its client id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-export-'));
    dirs.push(dir);
    // A folder the broker's user can reach, as /etc/mosquitto is (mkdtemp makes 0700 folders).
    await chmod(dir, 0o755);
    const [port, ingestPort] = [await freePort(), await freePort()];
    const result = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'out'), '--port', String(port), '--ingest-port', String(ingestPort), '--registry', 'seeds/devices.json'], { WX_FLEET_KEY: defaultFleetKey });
    expect(result.code, result.stderr).toBe(0);
    const broker = await startMosquittoAsConfigured(join(dir, 'out', 'mosquitto.conf'), port);
    stops.push(() => broker.stop('SIGKILL'));
    const seed = await loadRegistryFile('seeds/devices.json');
    const [victim, attacker] = [seed.devices[0]!, seed.devices[1]!];
    const login = (device: { id: string }, clientId: string, at = port) => mqtt.connectAsync(`mqtt://127.0.0.1:${at}`, { clientId, username: device.id, password: simulatedDeviceSecret(defaultFleetKey, device.id), reconnectPeriod: 0, connectTimeout: 5_000 });
    const own = await login(victim, victim.id);
    stops.push(() => own.endAsync(true));
    const victimClosed = new Promise<string>((resolve) => own.once('close', () => resolve('closed')));
    const taker = await login(attacker, victim.id);
    stops.push(() => taker.endAsync(true));
    // The victim's session lives on: its next publish is acknowledged on the same connection.
    const outcome = await Promise.race([own.publishAsync(`luohu/v1/${victim.family}/${victim.id}/status`, 'online', { qos: 1 }).then(() => 'acknowledged'), victimClosed]);
    expect(outcome).toBe('acknowledged');
    // A device cannot log in on the readers' listener at all.
    await expect(login(victim, 'anything', ingestPort)).rejects.toThrow(/Not authorized|Bad username or password/i);
    // Nor an observer: there it chose a worker's client id and took its session and queued readings (red team 9).
    await expect(login({ id: 'observer' }, 'w1-0', ingestPort)).rejects.toThrow(/Not authorized|Bad username or password/i);
    const observer = await login({ id: 'observer' }, 'w1-0');
    stops.push(() => observer.endAsync(true));
    expect(observer.connected).toBe(true);
  });

  it('runs with the real mosquitto on an export that replaced links planted in its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-export-'));
    dirs.push(dir);
    await chmod(dir, 0o755);
    const out = join(dir, 'out');
    await mkdir(out);
    for (const name of ['passwd', 'passwd-readers', 'acl', 'mosquitto.conf']) await symlink(join(dir, `planted-${name}`), join(out, name));
    const [port, ingestPort] = [await freePort(), await freePort()];
    const result = await runWanxiang(['devices', 'export', '--mosquitto', out, '--port', String(port), '--ingest-port', String(ingestPort), '--registry', 'seeds/devices.json'], { WX_FLEET_KEY: defaultFleetKey });
    expect(result.code, result.stderr).toBe(0);
    const broker = await startMosquittoAsConfigured(join(out, 'mosquitto.conf'), port);
    stops.push(() => broker.stop('SIGKILL'));
    const device = (await loadRegistryFile('seeds/devices.json')).devices[0]!;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: device.id, username: device.id, password: simulatedDeviceSecret(defaultFleetKey, device.id), reconnectPeriod: 0, connectTimeout: 5_000 });
    stops.push(() => client.endAsync(true));
    await client.publishAsync(`luohu/v1/${device.family}/${device.id}/status`, 'online', { qos: 1 });
    const reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingestPort}`, { clientId: 'wanxiang-ingest-check', username: 'wanxiang-ingest', password: simulatedDeviceSecret(defaultFleetKey, 'wanxiang-ingest'), reconnectPeriod: 0, connectTimeout: 5_000 });
    stops.push(() => reader.endAsync(true));
    expect(reader.connected).toBe(true);
  });
});
