import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const segmentPattern = /^(\d{20})\.seg$/;

/** `00000000000000000001.seg`: zero-padded so that names sort in append order. */
export function segmentPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(20, '0')}.seg`);
}

/** Segment numbers present in `dir`, oldest first; other files are left alone. */
export async function listSegments(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const match = segmentPattern.exec(name);
    if (match) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/**
 * fsync on a directory makes creations, renames and deletions in it durable;
 * fsync on a file alone does not promise that the file's name survives a crash
 * (POSIX fsync(2); ext4 and XFS both need it for a new name to be certain).
 */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
