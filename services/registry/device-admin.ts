import { randomBytes } from 'node:crypto';
import { WanxiangError } from '../errors.ts';
import { parseRegistry } from './device-registry.ts';
import type { DeviceRecord, RegistryFile } from './registry-schema.ts';
import { hashDeviceSecret, hashSecret } from './secrets.ts';

/** A fresh device secret: 32 random bytes, base64url; shown once, stored only as a hash. */
export const newSecret = () => randomBytes(32).toString('base64url');

function find(file: RegistryFile, id: string): DeviceRecord {
  const device = file.devices.find((candidate) => candidate.id === id);
  if (!device) throw new WanxiangError('WX_ERR_UNKNOWN_DEVICE', `no device ${id} in the registry`, { value: id });
  return device;
}

const withDevice = (file: RegistryFile, id: string, change: (device: DeviceRecord) => DeviceRecord): RegistryFile =>
  parseRegistry({ ...file, devices: file.devices.map((device) => (device.id === id ? change(device) : device)) });

/** Adds a device (validated like the whole registry); returns the new file and its secret. */
export async function addDevice(file: RegistryFile, draft: Omit<DeviceRecord, 'secretHash'>): Promise<{ file: RegistryFile; secret: string }> {
  if (file.devices.some((device) => device.id === draft.id)) throw new WanxiangError('WX_ERR_DEVICE_EXISTS', `device ${draft.id} is in the registry already: 'wanxiang devices rotate --id ${draft.id}' gives it a new secret`, { value: draft.id });
  const secret = newSecret();
  return { file: parseRegistry({ ...file, devices: [...file.devices, { ...draft, secretHash: hashDeviceSecret(secret) }] }), secret };
}

/** A fresh HJ 212 PW: 24 upper-case hex digits, the form of the 24-character PWs stations send (reference/hj212.md, vector 3). */
export const newStationPw = () => randomBytes(12).toString('hex').toUpperCase();

/**
 * A new secret for a device, and for an HJ 212 station a new PW too (`stationPw`, or a fresh one):
 * the old ones stop working at once and its connections are closed. Red team 10: rotate changed
 * only the MQTT secret, so a station whose PW had leaked kept logging in with it.
 */
export async function rotateSecret(file: RegistryFile, id: string, options: { stationPw?: string } = {}): Promise<{ file: RegistryFile; secret: string; stationPw?: string }> {
  const existing = find(file, id);
  const secret = newSecret();
  const secretHash = hashDeviceSecret(secret);
  if (!existing.hj212) {
    if (options.stationPw !== undefined) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `device ${id} is not an HJ 212 station: it has no PW to set`, { value: id });
    return { file: withDevice(file, id, (device) => ({ ...device, secretHash })), secret };
  }
  const stationPw = options.stationPw ?? newStationPw();
  const pwHash = await hashSecret(stationPw);
  return { file: withDevice(file, id, (device) => ({ ...device, secretHash, hj212: { ...device.hj212!, pwHash } })), secret, stationPw };
}

export function setDisabled(file: RegistryFile, id: string, disabled: boolean): RegistryFile {
  find(file, id);
  return withDevice(file, id, (device) => {
    const { disabled: _previous, ...rest } = device;
    return disabled ? { ...rest, disabled: true } : rest;
  });
}
