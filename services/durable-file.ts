import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a small file the platform keeps (the device registry, the users file, session
 * revocations, alarm hold times) so that a reader sees the old text or the new, and a power cut
 * leaves one of them too: written to a temporary file readable by this user alone, flushed to
 * disk, renamed over, and the folder flushed so that the new name survives (fsync(2): the file's
 * own flush does not promise its name). The spool's ack file is written so too. Before this, a crash could bring back an older registry
 * (an old disable undone) or leave an empty one (red team 5).
 */
export async function replaceFileDurably(path: string, text: string, options: { temporary?: string } = {}): Promise<void> {
  // Opened O_EXCL (open(2): a name that exists fails, a symbolic link above all, never followed):
  // at a name no one can guess, or at the fixed one a recovery removes (the spool's ack.tmp),
  // cleared first (unlink removes a link itself). Opened with 'w' at `<path>.<pid>.tmp`, a link
  // planted there had the registry written wherever it pointed, and was then renamed onto it.
  const temporary = options.temporary ?? `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  if (options.temporary !== undefined) await rm(temporary, { force: true });
  const handle = await open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600); // exactly, whatever the umask took away
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolderOf(path);
}

/**
 * Creates `path` holding `text`, or answers false when it exists: written aside (this user alone),
 * flushed, linked into place (a link never replaces a file, so of two creators one wins) and its
 * folder flushed. A reader sees the file whole or not at all: created in place, it was seen empty
 * between its creation and its write (red team 11: a data-folder lock taken for a dead run's, a
 * fleet key the start told its operator to delete).
 */
export async function createFileDurably(path: string, text: string): Promise<boolean> {
  const aside = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(aside, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(aside, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    await syncFolderOf(path);
    return true;
  } finally {
    await rm(aside, { force: true });
  }
}

/** A name beside `path`, in its folder (so a rename onto `path` stays on one file system), no one else's. */
const asideOf = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

/**
 * A user's output file (a report, a recording) opened for writing at its name, the check being the
 * opening itself: a caller's earlier look at the name is only for a plain answer, and whatever
 * appears there since is never written through. Without `replace` the name is created or refused
 * EEXIST (O_CREAT|O_EXCL: a name that exists fails, a symbolic link above all, even one to nowhere,
 * which is never followed, POSIX open(2)). With `replace` a new file is made beside it and renamed
 * onto the name: rename(2) replaces the name itself, a link there and not the file it points at.
 */
export function openOutputFileSync(path: string, options: { replace: boolean; mode: number }): number {
  if (!options.replace) return openSync(path, 'wx', options.mode);
  const aside = asideOf(path);
  const fd = openSync(aside, 'wx', options.mode);
  try {
    renameSync(aside, path);
  } catch (error) {
    closeSync(fd);
    rmSync(aside, { force: true });
    throw error;
  }
  return fd;
}

/**
 * The same for content written at once: with `replace` written beside and then renamed onto the
 * name, so the old file stays whole until the new one is; a file this call made and could not
 * fill (a full disk) is removed rather than left looking written.
 */
export async function writeOutputFile(path: string, content: string | Uint8Array, options: { replace: boolean; mode: number }): Promise<void> {
  const target = options.replace ? asideOf(path) : path;
  const handle = await open(target, 'wx', options.mode);
  let written = false;
  try {
    await handle.writeFile(content);
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(target, { force: true });
  }
  if (!options.replace) return;
  try {
    await rename(target, path);
  } catch (error) {
    await rm(target, { force: true });
    throw error;
  }
}

async function syncFolderOf(path: string): Promise<void> {
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
