import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withFileLock } from '../file-lock.ts';
import { loadUsersFile, saveUsersFile, type UsersFile } from './users-file.ts';

/**
 * One change to the users file: read, changed and written while holding its lock. Two
 * `wanxiang users` run at once each read the file before the other wrote it, and the later write
 * undid the earlier change: a person added, a token rotated or a person disabled was lost while
 * the command said it was done (red team 3).
 */
export async function updateUsersFile<T>(path: string, change: (file: UsersFile) => { readonly file?: UsersFile; readonly result: T }): Promise<T> {
  // The lock lives beside the file: without its folder the first `users add` before any start failed (WX_ERR_FILE on the lock).
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  return withFileLock(path, async () => {
    const { file, result } = change(await loadUsersFile(path));
    if (file) await saveUsersFile(path, file);
    return result;
  });
}
