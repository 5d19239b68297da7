import { watch, type FSWatcher } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { RegistryFile } from './registry-schema.ts';

/** Writes the registry atomically (temp file, then rename), so a reader never sees half a file. */
export async function saveRegistryFile(path: string, file: RegistryFile): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  // Mode 0600: the registry holds the devices' secret hashes (issue 18, item 17).
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
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
