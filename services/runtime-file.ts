import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { processIdentity, recordedProcessAlive } from './process-identity.ts';

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
  /**
   * Who the pid was (boot id, start time), as the data folder's lock records it: a platform killed
   * with -9 leaves this file, and once its pid was another process's, the tools took the file for a
   * running platform's and sent an officer's or admin's token to whatever listened on its port
   * (red team pass). Absent in files written before it was kept; its PID namespace where /proc tells.
   */
  identity: z.strictObject({ bootId: z.string(), startTicks: z.string(), pidNamespace: z.string().optional() }).optional(),
});

export type Runtime = z.infer<typeof runtimeSchema>;

export const runtimePath = (dataDir: string) => resolve(join(dataDir, 'runtime.json'));

/** Writes the file, with the identity of the process it names (`runtime.pid`). */
export async function writeRuntime(dataDir: string, runtime: Omit<Runtime, 'identity'>): Promise<void> {
  const identity = await processIdentity(runtime.pid);
  await writeFile(runtimePath(dataDir), `${JSON.stringify({ ...runtime, ...(identity ? { identity } : {}) }, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is this process's (a second platform's start must not remove the first's). */
export async function removeRuntime(dataDir: string, pid = process.pid): Promise<void> {
  const found = await readRuntime(dataDir);
  if (found.runtime?.pid === pid) await rm(runtimePath(dataDir), { force: true });
}

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
  if (!(await recordedProcessAlive(parsed.data.pid, parsed.data.identity))) return { path, why: `${path} is left from process ${parsed.data.pid}, which is no longer running` };
  return { path, runtime: parsed.data };
}
