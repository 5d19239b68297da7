import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { WanxiangError } from '../errors.ts';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Device secrets are random 256-bit tokens, not human passwords, so a modest scrypt
 * cost suffices: guessing the token is infeasible whatever the cost, and the hash only
 * keeps the registry free of usable secrets. N = 2^12 keeps 10,000 devices' first
 * logins to seconds, not minutes.
 */
export const defaultScryptCost = { N: 4096, r: 8, p: 1 } as const;
const keyLength = 32;

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export async function hashSecret(secret: string, salt: Buffer = randomBytes(16), cost: ScryptCost = defaultScryptCost): Promise<string> {
  const hash = await scryptAsync(secret, salt, keyLength, { ...cost, maxmem: 256 * cost.N * cost.r });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Device secrets are random 256-bit tokens (newSecret, simulatedDeviceSecret): nobody can
 * guess one, so a slow hash buys nothing against guessing, and a leaked registry still
 * holds no usable secret because SHA-256 cannot be inverted. The fast form keeps a
 * reconnect storm of 10,000 devices to microseconds of hashing instead of minutes of
 * scrypt. Human passwords (observers) keep scrypt. Only tokens of at least 32 characters
 * (192 bits in base64url) are hashed this way.
 */
export const minDeviceTokenLength = 32;

export function hashDeviceSecret(secret: string): string {
  if (secret.length < minDeviceTokenLength) {
    throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `a device secret hashed with SHA-256 must be a random token of at least ${minDeviceTokenLength} characters`, { value: secret.length });
  }
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('base64')}`;
}

/** True for a stored hash of the slow kind (an installation replaces those of its derived secrets at start: services/installation.ts). */
export const isScryptHash = (stored: string) => stored.startsWith('scrypt$');

/** Verifies a secret against `sha256$hash` or `scrypt$N$r$p$salt$hash`; false for any malformed stored hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  if (stored.startsWith('sha256$')) {
    const expected = Buffer.from(stored.slice(7), 'base64');
    const actual = createHash('sha256').update(secret, 'utf8').digest();
    return expected.length === actual.length && timingSafeEqual(actual, expected);
  }
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length !== keyLength) return false;
  const actual = await scryptAsync(secret, salt, keyLength, { N, r, p, maxmem: 256 * N * r });
  return timingSafeEqual(actual, expected);
}

/**
 * The simulated fleet's secrets: derived from a development fleet key so that the
 * simulators can log in while the registry holds only hashes. Real devices get random
 * secrets from device administration instead.
 */
export function simulatedDeviceSecret(fleetKey: string, deviceId: string): string {
  return createHmac('sha256', fleetKey).update(`device:${deviceId}`).digest('base64url');
}

/**
 * What `wanxiang replay` and `backfill` log in with for a device: derived from the installation's
 * fleet key, which a device never holds, so a session is history (no live alarm) by its credential,
 * not by text a device chooses (red team 6: any device named its client id `<id>-replay-x` and its
 * alarms stopped). The platform computes it from its own key and compares it in constant time.
 */
export function historyToolSecret(fleetKey: string, deviceId: string): string {
  return createHmac('sha256', fleetKey).update(`history-tool:${deviceId}`).digest('base64url');
}

/** Whether two secrets' texts are equal, compared in constant time (for secrets the platform derives, not hashes). */
export function sameSecretText(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `secret` is the history tools' secret for `deviceId` under `fleetKey`. */
export const isHistoryToolSecret = (fleetKey: string, deviceId: string, secret: string): boolean => sameSecretText(secret, historyToolSecret(fleetKey, deviceId));
