import { createHmac } from 'node:crypto';
import { defaultFleetKey } from '../config.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { hashSecret, sameSecretText, verifySecret } from '../registry/secrets.ts';

/**
 * A simulated station's HJ 212 PW, derived from the fleet key as the MQTT secrets are
 * (secrets.ts), apart from them: 24 upper-case hex digits, the form of the 24-character PWs
 * real stations send (reference/hj212.md, vector 3). Stored as a scrypt hash like every PW.
 */
export function simulatedStationPw(fleetKey: string, deviceId: string): string {
  return createHmac('sha256', fleetKey).update(`hj212-pw:${deviceId}`).digest('hex').slice(0, 24).toUpperCase();
}

/**
 * The PW `wanxiang replay` sends a simulated station's recorded frames with: history by its
 * credential, so they raise no live alarm (red team 6), derived from the fleet key a station never holds.
 */
export function historyStationPw(fleetKey: string, deviceId: string): string {
  return createHmac('sha256', fleetKey).update(`hj212-history-pw:${deviceId}`).digest('hex').slice(0, 24).toUpperCase();
}

/** Whether `pw` is the history PW of `deviceId` under `fleetKey`, compared in constant time. */
export const isHistoryStationPw = (fleetKey: string, deviceId: string, pw: string): boolean => sameSecretText(pw, historyStationPw(fleetKey, deviceId));

/** A seeded station's PW hash re-derived from an installation's key (services/installation.ts); a PW of its own is kept. */
export async function rederiveStationPw<T extends Pick<DeviceRecord, 'id' | 'hj212'>>(key: string, record: T): Promise<T> {
  if (!record.hj212 || !(await verifySecret(simulatedStationPw(defaultFleetKey, record.id), record.hj212.pwHash))) return record;
  return { ...record, hj212: { ...record.hj212, pwHash: await hashSecret(simulatedStationPw(key, record.id)) } };
}
