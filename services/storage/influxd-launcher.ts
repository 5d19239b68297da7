import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { WanxiangError } from '../errors.ts';

export interface LocalInfluxd {
  readonly url: string;
  readonly dataDir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Folder for meta, data, WAL and the generated config; created when missing. */
  readonly dataDir: string;
  /** HTTP port; 0 (the default) picks a free one. */
  readonly port?: number;
  readonly binary?: string;
  readonly readyTimeoutMs?: number;
  readonly onLog?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

// The settings that matter for a private instance: loopback only, no phoning home,
// no _internal monitoring database, no UDP/Graphite listeners (all off by default).
function influxdConfig(dataDir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dataDir, 'meta')}"

[data]
  dir = "${join(dataDir, 'data')}"
  wal-dir = "${join(dataDir, 'wal')}"
  query-log-enabled = false
  cache-max-memory-size = "1g"
  max-values-per-tag = 0

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  max-body-size = 0
  max-row-limit = 0

[continuous_queries]
  enabled = false
`;
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new WanxiangError('WX_ERR_INFLUXD_START', `influxd exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 204) return;
    } catch {
      // not listening yet: polling is the only readiness signal influxd 1.x gives
    }
    await delay(100);
  }
  throw new WanxiangError('WX_ERR_INFLUXD_START', `influxd did not answer /ping at ${url} within ${timeoutMs} ms`);
}

const isAlive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * `influxd.lock` in the data folder: two influxd on one folder corrupt it, so a second start
 * is refused while the process that holds the lock (our run or its influxd) still lives. A lock
 * whose processes are all gone (a crash) is taken over. Created with O_EXCL: of two starts racing,
 * one wins.
 */
async function takeLock(dataDir: string): Promise<{ path: string; update(influxdPid: number): Promise<void>; release(): Promise<void> }> {
  const path = join(dataDir, 'influxd.lock');
  const content = (influxd?: number) => `${JSON.stringify({ owner: process.pid, influxd })}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await writeFile(path, content(), { flag: 'wx' });
      let released = false;
      return {
        path,
        update: (influxdPid) => writeFile(path, content(influxdPid)),
        // Once only: a second stop() must not remove a lock another run has taken since.
        async release() {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let held: { owner?: number; influxd?: number } = {};
    try {
      held = JSON.parse(await readFile(path, 'utf8')) as typeof held;
    } catch {
      // unreadable or half-written: treated as stale below only when its processes are gone
    }
    const holder = [held.influxd, held.owner].find((pid) => isAlive(pid) && pid !== process.pid);
    if (holder !== undefined) {
      throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `${dataDir} is in use by ${holder === held.influxd ? 'influxd' : 'process'} ${holder} (lock ${path}; started by process ${held.owner}): stop that run first, or give this one a data folder of its own (--data-dir, WX_DATA_DIR)`, { value: holder });
    }
    await rm(path, { force: true }); // stale: its processes are gone
  }
  throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `cannot take the lock ${path}`);
}

/** Starts Debian's influxd with its own config, data folder and port, and waits for /ping. */
export async function startLocalInfluxd(options: LaunchOptions): Promise<LocalInfluxd> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const lock = await takeLock(dataDir);
  try {
    return await launch(options, dataDir, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function launch(options: LaunchOptions, dataDir: string, lock: Awaited<ReturnType<typeof takeLock>>): Promise<LocalInfluxd> {
  const httpPort = options.port || (await freePort());
  const rpcPort = await freePort();
  const configPath = join(dataDir, 'influxd.conf');
  await writeFile(configPath, influxdConfig(dataDir, httpPort, rpcPort));

  // Issue 21 ("Stopping"): in its own process group, so a terminal's Ctrl-C (SIGINT to the whole
  // foreground group) reaches only us; we stop influxd last, after ingest drained and the rollups
  // ended, instead of it dying first under them ("rollup failed" nine times over).
  const child = spawn(options.binary ?? 'influxd', ['-config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) await lock.update(child.pid);
  const spawnError = once(child, 'error').then(([error]) => {
    throw new WanxiangError('WX_ERR_INFLUXD_START', `cannot run influxd: ${(error as Error).message} (apt-get install influxdb)`);
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLog?.(line);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await Promise.race([waitUntilReady(url, child, options.readyTimeoutMs ?? 30_000), spawnError]);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    throw error;
  }
  spawnError.catch(() => undefined);

  return {
    url,
    dataDir,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await lock.release();
    },
  };
}
