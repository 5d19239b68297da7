import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Where an interrupted backfill resumes (issue 19, item 3): `backfill-progress.json` in the data
 * folder holds, for the run's parameters (a digest of them), each device's first timestamp not yet
 * acknowledged. The same command again reads it and goes on from there; a finished run removes it.
 */
export const progressPath = (dataDir: string) => resolve(join(dataDir, 'backfill-progress.json'));

export function progressKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

interface ProgressFile { key: string; next: Record<string, number> }

/** The devices' resume points of an interrupted run with these parameters, or undefined. */
export async function readProgress(dataDir: string, key: string): Promise<Map<string, number> | undefined> {
  try {
    const file = JSON.parse(await readFile(progressPath(dataDir), 'utf8')) as ProgressFile;
    return file.key === key ? new Map(Object.entries(file.next)) : undefined;
  } catch {
    return undefined; // none, or not ours: the run starts from the beginning
  }
}

export async function writeProgress(dataDir: string, key: string, next: ReadonlyMap<string, number>): Promise<string> {
  const path = progressPath(dataDir);
  await writeFile(path, `${JSON.stringify({ key, next: Object.fromEntries(next) } satisfies ProgressFile, null, 2)}\n`, { mode: 0o600 });
  return path;
}

export async function clearProgress(dataDir: string, key: string): Promise<void> {
  if (await readProgress(dataDir, key)) await rm(progressPath(dataDir), { force: true });
}
