import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The seeds' departments with another close hold (events.closeHoldMs), written as `dir`/departments.json; its path. */
export async function writeDepartmentsWithHold(dir: string, closeHoldMs: number): Promise<string> {
  const departments = JSON.parse(await readFile('seeds/departments.json', 'utf8')) as { closeHoldMs: number };
  departments.closeHoldMs = closeHoldMs;
  const path = join(dir, 'departments.json');
  await writeFile(path, JSON.stringify(departments));
  return path;
}
