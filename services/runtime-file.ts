import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * `runtime.json` in the data folder: where a running platform's API, broker and InfluxDB
 * answer. The platform writes it once it listens and removes it at close, so `rollup` and
 * `report` find the running platform without flags (issue 13, item 20).
 */
export const runtimeSchema = z.strictObject({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  httpUrl: z.string(),
  mqttUrl: z.string(),
  influxUrl: z.string(),
  database: z.string(),
});

export type Runtime = z.infer<typeof runtimeSchema>;

export const runtimePath = (dataDir: string) => resolve(join(dataDir, 'runtime.json'));

export async function writeRuntime(dataDir: string, runtime: Runtime): Promise<void> {
  await writeFile(runtimePath(dataDir), `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is this process's (a second platform's start must not remove the first's). */
export async function removeRuntime(dataDir: string, pid = process.pid): Promise<void> {
  const found = await readRuntime(dataDir);
  if (found.runtime?.pid === pid) await rm(runtimePath(dataDir), { force: true });
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running platform's endpoints, or why there are none (said to the user as where we looked). */
export async function readRuntime(dataDir: string): Promise<{ runtime?: Runtime; path: string; why?: string }> {
  const path = runtimePath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { path, why: `${path} does not exist (no platform running with this data folder)` };
  }
  let parsed: ReturnType<typeof runtimeSchema.safeParse>;
  try {
    parsed = runtimeSchema.safeParse(JSON.parse(text));
  } catch {
    return { path, why: `${path} is not JSON` };
  }
  if (!parsed.success) return { path, why: `${path} is not a runtime file` };
  if (!isAlive(parsed.data.pid)) return { path, why: `${path} is left from process ${parsed.data.pid}, which is no longer running` };
  return { path, runtime: parsed.data };
}
