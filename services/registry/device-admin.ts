import { randomBytes } from 'node:crypto';
import { WanxiangError } from '../errors.ts';
import { parseRegistry } from './device-registry.ts';
import type { DeviceRecord, RegistryFile } from './registry-schema.ts';
import { hashDeviceSecret } from './secrets.ts';

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

/** A new secret for a device: the old one stops working at once. */
export async function rotateSecret(file: RegistryFile, id: string): Promise<{ file: RegistryFile; secret: string }> {
  find(file, id);
  const secret = newSecret();
  const secretHash = hashDeviceSecret(secret);
  return { file: withDevice(file, id, (device) => ({ ...device, secretHash })), secret };
}

export function setDisabled(file: RegistryFile, id: string, disabled: boolean): RegistryFile {
  find(file, id);
  return withDevice(file, id, (device) => {
    const { disabled: _previous, ...rest } = device;
    return disabled ? { ...rest, disabled: true } : rest;
  });
}
