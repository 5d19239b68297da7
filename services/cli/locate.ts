import { WanxiangError } from '../errors.ts';
import { readRuntime } from '../runtime-file.ts';

export interface Located {
  readonly url: string;
  /** Where the URL came from, or where we looked: said in every error about it. */
  readonly source: string;
  readonly database?: string;
}

/**
 * The InfluxDB a command reads and writes: --influx-url, else INFLUX_URL, else the running
 * platform's, from runtime.json in the data folder (issue 13, item 20).
 */
export async function locateInflux(flag: string | undefined, env: string | undefined, dataDir: string): Promise<Located> {
  if (flag) return { url: flag, source: '--influx-url' };
  if (env) return { url: env, source: 'INFLUX_URL' };
  const found = await readRuntime(dataDir);
  if (found.runtime) return { url: found.runtime.influxUrl, source: found.path, database: found.runtime.database };
  throw new WanxiangError('WX_ERR_PLATFORM_NOT_FOUND', `no InfluxDB to use: no --influx-url, no INFLUX_URL, and ${found.why}; start the platform (npm start), pass --data-dir of a running one, or --influx-url URL`);
}

/** The HTTP API: --api, else the running platform's (runtime.json), else the default address. */
export async function locateApi(flag: string | undefined, dataDir: string): Promise<Located> {
  if (flag) return { url: flag, source: '--api' };
  const found = await readRuntime(dataDir);
  if (found.runtime) return { url: found.runtime.httpUrl, source: found.path };
  return { url: 'http://127.0.0.1:3000', source: `the default address, as ${found.why}` };
}
