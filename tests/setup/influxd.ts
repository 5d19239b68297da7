import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

/** One real influxd for the whole run (or INFLUX_URL's server); each test file uses its own database. */
export default async function setup(project: TestProject) {
  if (process.env.INFLUX_URL) {
    project.provide('influxUrl', process.env.INFLUX_URL);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-influxd-'));
  const influxd = await startLocalInfluxd({ dataDir });
  project.provide('influxUrl', influxd.url);
  return async () => {
    await influxd.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
