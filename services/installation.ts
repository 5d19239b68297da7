import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createFileDurably } from './durable-file.ts';
import { defaultFleetKey, type Config } from './config.ts';
import { WanxiangError } from './errors.ts';
import { withFileLock } from './file-lock.ts';
import { loadRegistryFile } from './registry/device-registry.ts';
import { saveRegistryFile } from './registry/registry-file.ts';
import { rederiveStationPw } from './hj212/simulated-station.ts';
import type { DeviceRecord } from './registry/registry-schema.ts';
import { hashDeviceSecret, hashSecret, isScryptHash, simulatedDeviceSecret, verifySecret } from './registry/secrets.ts';

/**
 * A fleet key of this installation (issue 13, item 22): the development key is in the source,
 * so anyone could derive the seeded devices' secrets. On the first start without WX_FLEET_KEY
 * and WX_REGISTRY_FILE a random key is kept in `data/fleet-key` (mode 0600) and the seeded
 * registry is copied to `data/devices.json` with the simulated devices' and the observer's
 * hashes re-derived from it; devices with secrets of their own keep them. Later starts add
 * what the seeds gained since.
 */
export const installationPaths = (dataDir: string) => ({ key: resolve(join(dataDir, 'fleet-key')), registry: resolve(join(dataDir, 'devices.json')) });

async function readKey(path: string): Promise<string | undefined> {
  try {
    const key = (await readFile(path, 'utf8')).trim();
    if (key.length < 8) throw new WanxiangError('WX_ERR_CONFIG', `${path} holds no fleet key (8 characters or more); delete it and data/devices.json to make a new one`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const exists = (path: string) => readFile(path).then(() => true, () => false);

/**
 * A new fleet key, or the one another first start made at the same moment. Every derived secret
 * hangs on it, so it is made whole and durable (createFileDurably) before the registry derived
 * from it is written: the key file appears whole or not at all, and survives
 * a power cut. Written in place without a flush, a power cut left an empty key file (the start
 * then refused) or none beside a registry derived from the lost one (every simulated device's
 * secret stopped matching); two first starts saw EEXIST, or the file between its creation and
 * its write ("holds no fleet key ... delete it and data/devices.json", the other run's live key).
 */
async function makeKey(path: string): Promise<string> {
  const key = randomBytes(32).toString('base64url');
  if (await createFileDurably(path, `${key}\n`)) return key;
  const theirs = await readKey(path);
  if (theirs === undefined) throw new WanxiangError('WX_ERR_FILE', `${path} was made by another start and is gone again: start once more`, { value: path });
  return theirs;
}

/** The installation's key and registry, created on the first start. */
export async function prepareInstallation(config: Config): Promise<Config> {
  if (!config.installationKey) return config;
  const paths = installationPaths(config.dataDir);
  let key = await readKey(paths.key);
  if (key === undefined) {
    await mkdir(resolve(config.dataDir), { recursive: true, mode: 0o700 });
    key = await makeKey(paths.key);
  }
  const installationKey = key;
  // Under the registry's lock, read afresh: an admin-API or `wanxiang devices` change made while
  // this ran was undone by its write (red team 5: a disable answered 200, then lost).
  await withFileLock(paths.registry, async () => {
    if (!(await exists(paths.registry))) await deriveRegistry(resolve(config.registryFile), paths.registry, installationKey);
    else await updateRegistry(resolve(config.registryFile), paths.registry, installationKey);
  });
  return { ...config, fleetKey: key, registryFile: paths.registry };
}

/** For the tools (simulate, record, replay, backfill, devices): the installation's, when the data folder has one. */
export async function useInstallation(config: Config): Promise<Config> {
  if (!config.installationKey) return config;
  const paths = installationPaths(config.dataDir);
  const key = await readKey(paths.key);
  if (key === undefined || !(await exists(paths.registry))) return config;
  return { ...config, fleetKey: key, registryFile: paths.registry };
}

/**
 * A seeded record with its secret derived from the installation's key (records with secrets
 * of their own keep them). A device's derived secret is a random-looking 256-bit token, so
 * its hash is SHA-256 (a reconnect storm costs microseconds, services/registry/secrets.ts);
 * the observer's stays scrypt, like every password a person may choose.
 */
const rederiveWith = (key: string, hash: (secret: string) => string | Promise<string>) => async <T extends { id: string; secretHash: string }>(record: T): Promise<T> =>
  (await verifySecret(simulatedDeviceSecret(defaultFleetKey, record.id), record.secretHash))
    ? { ...record, secretHash: await hash(simulatedDeviceSecret(key, record.id)) }
    : record;
// A simulated HJ 212 station's PW follows the key too (issue 20, item 5).
const rederiveDevice = (key: string) => async (record: DeviceRecord) => rederiveStationPw(key, await rederiveWith(key, hashDeviceSecret)(record));
const rederiveObserver = (key: string) => rederiveWith(key, (secret) => hashSecret(secret));

async function deriveRegistry(seedPath: string, path: string, key: string): Promise<void> {
  const seeds = await loadRegistryFile(seedPath);
  const devices = await Promise.all(seeds.devices.map(rederiveDevice(key)));
  const observers = await Promise.all(seeds.observers.map(rederiveObserver(key)));
  await saveRegistryFile(path, { ...seeds, devices, observers });
}

/**
 * Installations made before device hashes were SHA-256 hold scrypt hashes of the derived
 * secrets, and every login of every device paid scrypt for them. The derived secret is known
 * here, so such a hash is replaced once; a device whose scrypt hash is of a secret of its
 * own keeps it.
 */
async function fastDeviceHash(device: DeviceRecord, key: string): Promise<DeviceRecord> {
  if (!isScryptHash(device.secretHash)) return device;
  const secret = simulatedDeviceSecret(key, device.id);
  return (await verifySecret(secret, device.secretHash)) ? { ...device, secretHash: hashDeviceSecret(secret) } : device;
}

/**
 * Streets, devices and observers the seeds gained since the installation's registry was made
 * (an update that brings a new monitoring section, as 深圳水库 came in issue 12) are added to
 * it, their secrets derived from this installation's key. Nothing the installation holds is
 * changed: device administration (disabled devices, rotated secrets) lives in its registry,
 * and a device is retired by disabling it, so a seed missing there is new, not removed.
 * Slow device hashes of older installations are made fast on the way (fastDeviceHash).
 */
async function updateRegistry(seedPath: string, path: string, key: string): Promise<void> {
  const [seeds, installed] = await Promise.all([loadRegistryFile(seedPath), loadRegistryFile(path)]);
  const missing = <T extends { id: string }>(held: readonly T[], offered: readonly T[]) => {
    const ids = new Set(held.map((entry) => entry.id));
    return offered.filter((entry) => !ids.has(entry.id));
  };
  const streets = missing(installed.streets, seeds.streets);
  const devices = missing(installed.devices, seeds.devices);
  const observers = missing(installed.observers, seeds.observers);
  const held = await Promise.all(installed.devices.map((device) => fastDeviceHash(device, key)));
  const rehashed = held.filter((device, i) => device !== installed.devices[i]).length;
  if (streets.length + devices.length + observers.length + rehashed === 0) return;
  await saveRegistryFile(path, {
    ...installed,
    streets: [...installed.streets, ...streets],
    devices: [...held, ...(await Promise.all(devices.map(rederiveDevice(key))))],
    observers: [...installed.observers, ...(await Promise.all(observers.map(rederiveObserver(key))))],
  });
}
