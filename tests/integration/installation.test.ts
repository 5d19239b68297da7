import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../services/config-env.ts';
import { defaultFleetKey } from '../../services/config.ts';
import { withFileLock } from '../../services/file-lock.ts';
import { installationPaths, prepareInstallation, useInstallation } from '../../services/installation.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { hashSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';

describe('a fleet key of this installation (issue 13, item 22)', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-installation-'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is made on the first start, kept private in the data folder, and the seeded secrets follow it', async () => {
    const base = configFromEnv({ WX_DATA_DIR: work });
    expect(await useInstallation(base)).toEqual(base); // nothing there yet: the tools keep the defaults
    const config = await prepareInstallation(base);
    const paths = installationPaths(work);
    expect(config.fleetKey).not.toBe(defaultFleetKey);
    expect(config.registryFile).toBe(paths.registry);
    expect((await readFile(paths.key, 'utf8')).trim()).toBe(config.fleetKey);
    expect((await stat(paths.key)).mode & 0o777).toBe(0o600);

    const registry = createDeviceRegistry(await loadRegistryFile(paths.registry));
    expect(await registry.login('observer', simulatedDeviceSecret(config.fleetKey, 'observer'))).toMatchObject({ ok: true });
    expect(await registry.login('air-guiyuan', simulatedDeviceSecret(config.fleetKey, 'air-guiyuan'))).toMatchObject({ ok: true });
    expect(await registry.login('air-guiyuan', simulatedDeviceSecret(defaultFleetKey, 'air-guiyuan'))).toMatchObject({ ok: false, code: 'WX_ERR_BAD_CREDENTIALS' });

    // Device hashes are fast (SHA-256 of a 256-bit token); the observer's stays scrypt.
    const made = await loadRegistryFile(paths.registry);
    expect(new Set(made.devices.map((device) => device.secretHash.split('$')[0]))).toEqual(new Set(['sha256']));
    expect(made.observers[0]!.secretHash).toMatch(/^scrypt\$/);

    // The next start and every tool use the same key and registry.
    expect(await prepareInstallation(base)).toEqual(config);
    expect(await useInstallation(base)).toEqual(config);
  });

  it('takes the devices, streets and observers the seeds gained since, and keeps its own administration', async () => {
    const dir = join(work, 'updated');
    const seedsPath = join(work, 'seeds-before.json');
    const seeds = await loadRegistryFile('seeds/devices.json');
    const reservoir = seeds.devices.find((device) => device.id === 'water-shenzhen-reservoir')!;
    const street = seeds.streets.find((entry) => entry.id === reservoir.street)!;
    // The installation was made from older seeds: no reservoir, and its street unknown.
    const older = { ...seeds, streets: seeds.streets.filter((entry) => entry.id !== street.id), devices: seeds.devices.filter((device) => device.street !== street.id) };
    await writeFile(seedsPath, JSON.stringify(older));
    const first = await prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }, { registryFile: seedsPath }));
    // The operator disabled a device in the installation's registry.
    const made = await loadRegistryFile(first.registryFile);
    const disabledId = made.devices[0]!.id;
    await writeFile(first.registryFile, JSON.stringify({ ...made, devices: made.devices.map((device, i) => (i === 0 ? { ...device, disabled: true } : device)) }));

    // The update brings the full seeds: the next start adds what is new and keeps the rest.
    const next = await prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }, { registryFile: 'seeds/devices.json' }));
    const updated = createDeviceRegistry(await loadRegistryFile(next.registryFile));
    expect(updated.devices.map((device) => device.id).sort()).toEqual(seeds.devices.map((device) => device.id).sort());
    expect(updated.file.streets.map((entry) => entry.id)).toContain(street.id);
    expect(updated.device(disabledId)?.disabled).toBe(true);
    expect(await updated.login(reservoir.id, simulatedDeviceSecret(next.fleetKey, reservoir.id))).toMatchObject({ ok: true });
    // Nothing new: the file is left as it is.
    const text = await readFile(next.registryFile, 'utf8');
    await prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }, { registryFile: 'seeds/devices.json' }));
    expect(await readFile(next.registryFile, 'utf8')).toBe(text);
  });

  it('makes the slow scrypt device hashes of an older installation fast, and keeps a device’s own secret', async () => {
    const dir = join(work, 'older');
    const config = await prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }));
    const made = await loadRegistryFile(config.registryFile);
    const [derived, own] = made.devices;
    // As an installation made before the fast hashes held them: scrypt of the derived secret, and one device with a secret of its own.
    const older = [
      { ...derived!, secretHash: await hashSecret(simulatedDeviceSecret(config.fleetKey, derived!.id)) },
      { ...own!, secretHash: await hashSecret('a-secret-of-its-own-set-by-hand') },
      ...made.devices.slice(2),
    ];
    await writeFile(config.registryFile, JSON.stringify({ ...made, devices: older }));

    await prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }));
    const updated = createDeviceRegistry(await loadRegistryFile(config.registryFile));
    expect(updated.device(derived!.id)?.secretHash).toMatch(/^sha256\$/);
    expect(await updated.login(derived!.id, simulatedDeviceSecret(config.fleetKey, derived!.id))).toMatchObject({ ok: true });
    expect(updated.device(own!.id)?.secretHash).toMatch(/^scrypt\$/);
    expect(await updated.login(own!.id, 'a-secret-of-its-own-set-by-hand')).toMatchObject({ ok: true });
  });

  it('updates the registry under its lock, reading it afresh: a change made meanwhile is kept (red team 5)', async () => {
    const dir = join(work, 'raced');
    const config = await prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }));
    const made = await loadRegistryFile(config.registryFile);
    // The seeds hold a device this installation lacks: the next start writes the registry.
    const [removed, target] = [made.devices.at(-1)!, made.devices[0]!];
    await writeFile(config.registryFile, JSON.stringify({ ...made, devices: made.devices.slice(0, -1) }));
    // A `wanxiang devices disable` (or the admin API) holds the registry's lock while the start begins.
    let updating: Promise<unknown> | undefined;
    await withFileLock(config.registryFile, async () => {
      // Read, then the start runs, then written: what a change under the lock does.
      const current = await loadRegistryFile(config.registryFile);
      updating = prepareInstallation(configFromEnv({ WX_DATA_DIR: dir }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await writeFile(config.registryFile, JSON.stringify({ ...current, devices: current.devices.map((device) => (device.id === target.id ? { ...device, disabled: true } : device)) }));
    });
    await updating;
    const updated = createDeviceRegistry(await loadRegistryFile(config.registryFile));
    expect(updated.device(target.id)?.disabled).toBe(true);
    expect(updated.device(removed.id)).toBeDefined();
  });

  it('is made once when first starts race on a new folder: each takes the same key, none fails (red team 11)', async () => {
    const folder = join(work, 'racing');
    const base = configFromEnv({ WX_DATA_DIR: folder });
    // Written in place, the losers met EEXIST, or read the key file between its creation and its
    // write and were told to delete it (and the registry): the live installation's key.
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => prepareInstallation(base)));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const keys = new Set(outcomes.map((outcome) => (outcome as PromiseFulfilledResult<Awaited<ReturnType<typeof prepareInstallation>>>).value.fleetKey));
    expect(keys.size).toBe(1);
    expect((await readFile(installationPaths(folder).key, 'utf8')).trim()).toBe([...keys][0]);
    expect((await readdir(folder)).filter((name) => name.startsWith('fleet-key.'))).toEqual([]);
  });

  it('is not made when WX_FLEET_KEY or WX_REGISTRY_FILE says otherwise', async () => {
    const explicit = configFromEnv({ WX_DATA_DIR: join(work, 'explicit'), WX_FLEET_KEY: 'the-operators-own-key' });
    expect(await prepareInstallation(explicit)).toEqual(explicit);
  });
});
