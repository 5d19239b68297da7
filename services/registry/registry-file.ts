import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { replaceFileDurably } from '../durable-file.ts';
import { WanxiangError } from '../errors.ts';
import type { RegistryFile } from './registry-schema.ts';

/**
 * Writes the registry atomically and durably (durable-file.ts), so a reader never sees half a file.
 * Never into the repository's seeds (issue 19, item 6): a platform run on seeds/devices.json
 * (WX_FLEET_KEY without WX_REGISTRY_FILE) that took `rotate` from the admin API rewrote the
 * tracked file, and the change was committed by accident.
 */
export async function saveRegistryFile(path: string, file: RegistryFile): Promise<void> {
  if (resolve(path).startsWith(`${resolve('seeds')}${sep}`)) {
    throw new WanxiangError('WX_ERR_FILE', `the registry ${resolve(path)} is the repository's seed registry, which is read-only: run with the data folder's registry (leave WX_FLEET_KEY and WX_REGISTRY_FILE unset) or a registry of your own (WX_REGISTRY_FILE)`);
  }
  // Mode 0600: the registry holds the devices' secret hashes (issue 18, item 17).
  await replaceFileDurably(path, `${JSON.stringify(file, null, 2)}\n`);
}

/**
 * Calls `onChange` when the registry file changes (device administration from the CLI or
 * the API); the folder is watched because an atomic save replaces the file.
 */
export function watchRegistryFile(path: string, onChange: () => void): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(path), (_event, name) => {
    if (name !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, 50);
  });
  watcher.on('close', () => clearTimeout(timer));
  return watcher;
}
