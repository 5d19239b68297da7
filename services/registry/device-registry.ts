import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WanxiangError } from '../errors.ts';
import { formatZodIssues } from '../zod-issues.ts';
import { registrySchema, type DeviceRecord, type ObserverRecord, type RegistryFile } from './registry-schema.ts';
import { jsonErrorPosition, jsonErrorReason } from './json-position.ts';
import { verifySecret } from './secrets.ts';

export type Principal =
  /** `history`: a replay or backfill logged in with the tools' secret (secrets.ts historyToolSecret): its readings raise no live alarm. */
  | { readonly role: 'device'; readonly id: string; readonly device: DeviceRecord; readonly history?: true }
  /** `secretHash`: the one it logged in with; a session whose observer was re-keyed or removed is closed (red team 10). */
  | { readonly role: 'observer'; readonly id: string; readonly secretHash: string };

export type LoginResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: 'WX_ERR_UNKNOWN_DEVICE' | 'WX_ERR_BAD_CREDENTIALS' | 'WX_ERR_DEVICE_DISABLED' };

export interface DeviceRegistry {
  readonly district: string;
  readonly devices: readonly DeviceRecord[];
  readonly file: RegistryFile;
  device(id: string): DeviceRecord | undefined;
  observer(id: string): ObserverRecord | undefined;
  login(id: string, secret: string): Promise<LoginResult>;
  /**
   * The login's answer when it needs no scrypt run (an unknown id, a disabled device, a secret
   * that verified before), else undefined: the broker runs the costly part under its login gate
   * (services/login-gate.ts, issue 18 item 6).
   */
  loginWithoutScrypt(id: string, secret: string): LoginResult | undefined;
  /** Takes a new version of the registry (device administration); the old maps are dropped. */
  replace(file: RegistryFile): void;
}

/** Parses and validates a registry document; every problem is reported at once. */
export function parseRegistry(document: unknown, source = 'registry', code: 'WX_ERR_SEED_INVALID' | 'WX_ERR_REGISTRY_INVALID' = 'WX_ERR_SEED_INVALID'): RegistryFile {
  const parsed = registrySchema.safeParse(document);
  if (!parsed.success) {
    throw new WanxiangError(code, `${source}: ${formatZodIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

export async function loadRegistryFile(path: string): Promise<RegistryFile> {
  const text = await readFile(path, 'utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // Issue 19, item 7: where the file broke, and a registry is named a registry, not a seed
    // (the installation's data/devices.json is edited by hand, seeds/ is not).
    const at = jsonErrorPosition(text, error);
    throw new WanxiangError('WX_ERR_REGISTRY_INVALID', `the registry ${path} is not valid JSON${at ? ` at line ${at.line}, column ${at.column}` : ''}: ${jsonErrorReason(error)}`, { cause: error });
  }
  return parseRegistry(document, `the registry ${path}`, 'WX_ERR_REGISTRY_INVALID');
}

const fingerprint = (id: string, secret: string) => createHash('sha256').update(`${id}\0${secret}`).digest('base64');

export function createDeviceRegistry(initial: RegistryFile): DeviceRegistry {
  let file = initial;
  let devices = new Map(file.devices.map((device) => [device.id, device]));
  let observers = new Map<string, ObserverRecord>(file.observers.map((observer) => [observer.id, observer]));
  // A reconnect storm must not cost one scrypt per login: once a secret has verified,
  // its SHA-256 fingerprint is remembered in memory (never logged, never stored), keyed by
  // the stored hash so that a rotated secret is verified afresh.
  const verified = new Map<string, string>();

  async function check(id: string, secret: string, stored: string): Promise<boolean> {
    const print = fingerprint(id, secret);
    if (verified.get(stored) === print) return true;
    if (!(await verifySecret(secret, stored))) return false;
    verified.set(stored, print);
    return true;
  }

  return {
    get district() {
      return file.district;
    },
    get devices() {
      return file.devices;
    },
    get file() {
      return file;
    },
    device: (id) => devices.get(id),
    observer: (id) => observers.get(id),
    async login(id, secret) {
      const device = devices.get(id);
      if (device) {
        if (device.disabled) return { ok: false, code: 'WX_ERR_DEVICE_DISABLED' };
        return (await check(id, secret, device.secretHash))
          ? { ok: true, principal: { role: 'device', id, device } }
          : { ok: false, code: 'WX_ERR_BAD_CREDENTIALS' };
      }
      const observer = observers.get(id);
      if (observer) {
        return (await check(id, secret, observer.secretHash))
          ? { ok: true, principal: { role: 'observer', id, secretHash: observer.secretHash } }
          : { ok: false, code: 'WX_ERR_BAD_CREDENTIALS' };
      }
      return { ok: false, code: 'WX_ERR_UNKNOWN_DEVICE' };
    },
    loginWithoutScrypt(id, secret) {
      const device = devices.get(id);
      const stored = device?.secretHash ?? observers.get(id)?.secretHash;
      if (stored === undefined) return { ok: false, code: 'WX_ERR_UNKNOWN_DEVICE' };
      if (device?.disabled) return { ok: false, code: 'WX_ERR_DEVICE_DISABLED' };
      if (verified.get(stored) !== fingerprint(id, secret)) return undefined;
      return { ok: true, principal: device ? { role: 'device', id, device } : { role: 'observer', id, secretHash: stored } };
    },
    replace(next) {
      file = next;
      devices = new Map(next.devices.map((device) => [device.id, device]));
      observers = new Map(next.observers.map((observer) => [observer.id, observer]));
    },
  };
}
