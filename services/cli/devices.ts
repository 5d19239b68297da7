import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../config.ts';
import { addDevice, rotateSecret, setDisabled } from '../registry/device-admin.ts';
import { loadRegistryFile } from '../registry/device-registry.ts';
import { saveRegistryFile } from '../registry/registry-file.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { exportMosquittoCommand } from '../cluster/export-command.ts';

export const devicesHelp = `wanxiang devices: administer the device registry (a running platform takes changes at once)

  wanxiang devices list
  wanxiang devices add --id ID --family F --site S --site-name NAME --street ST --lat N --lon N --attributes JSON
  wanxiang devices rotate --id ID        a new secret; the old one stops working, the device is disconnected
  wanxiang devices disable --id ID       refused at login and disconnected at once
  wanxiang devices enable --id ID
  wanxiang devices export --mosquitto DIR [--port N]
                                         mosquitto passwd, acl and mosquitto.conf for these devices

add and rotate print the new secret once; the registry keeps only its scrypt hash.
Options: --registry FILE (default seeds/devices.json, or WX_REGISTRY_FILE)
`;

export async function devicesCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' }, family: { type: 'string' }, site: { type: 'string' }, 'site-name': { type: 'string' }, street: { type: 'string' },
      lat: { type: 'string' }, lon: { type: 'string' }, attributes: { type: 'string' }, registry: { type: 'string' },
      mosquitto: { type: 'string' }, port: { type: 'string' },
    },
  });
  const path = resolve(values.registry ?? configFromEnv().registryFile);
  const file = await loadRegistryFile(path);
  const need = (name: keyof typeof values) => {
    const value = values[name];
    if (!value) throw new Error(`--${name} is required\n\n${devicesHelp}`);
    return value;
  };
  switch (action) {
    case 'list':
      for (const device of file.devices) process.stdout.write(`${device.id}\t${device.family}\t${device.site}\t${device.street}${device.disabled ? '\tdisabled' : ''}\n`);
      return;
    case 'add': {
      const draft = {
        id: need('id'), family: need('family'), site: need('site'), siteName: need('site-name'), street: need('street'),
        lat: Number(need('lat')), lon: Number(need('lon')), attributes: JSON.parse(values.attributes ?? '{}') as Record<string, unknown>,
      } as Omit<DeviceRecord, 'secretHash'>;
      const result = await addDevice(file, draft);
      await saveRegistryFile(path, result.file);
      process.stdout.write(`added ${draft.id}; its secret (shown once): ${result.secret}\n`);
      return;
    }
    case 'rotate': {
      const result = await rotateSecret(file, need('id'));
      await saveRegistryFile(path, result.file);
      process.stdout.write(`rotated ${values.id}; its new secret (shown once): ${result.secret}\n`);
      return;
    }
    case 'disable':
    case 'enable':
      await saveRegistryFile(path, setDisabled(file, need('id'), action === 'disable'));
      process.stdout.write(`${action}d ${values.id}\n`);
      return;
    case 'export':
      return exportMosquittoCommand(file, { dir: need('mosquitto'), port: values.port });
    default:
      throw new Error(`unknown devices action ${JSON.stringify(action)}\n\n${devicesHelp}`);
  }
}
