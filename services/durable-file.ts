import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces a small file the platform keeps (the device registry, the users file, session
 * revocations, alarm hold times) so that a reader sees the old text or the new, and a power cut
 * leaves one of them too: written to a temporary file readable by this user alone, flushed to
 * disk, renamed over, and the folder flushed so that the new name survives (fsync(2): the file's
 * own flush does not promise its name). The spool's ack file is written so too. Before this, a crash could bring back an older registry
 * (an old disable undone) or leave an empty one (red team 5).
 */
export async function replaceFileDurably(path: string, text: string, options: { temporary?: string } = {}): Promise<void> {
  // A fixed temporary name where a recovery removes a leftover one (the spool's ack.tmp).
  const temporary = options.temporary ?? `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.chmod(0o600); // a stale temporary file of the same name keeps its mode otherwise
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
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

async function syncFolderOf(path: string): Promise<void> {
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
