import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { WanxiangError } from '../errors.ts';
import { processIdentity, recordedProcessAlive, type ProcessIdentity } from '../process-identity.ts';
import { stopOrphanedInfluxd } from './influxd-orphan.ts';

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
  /** The backup/restore RPC port (influxd's top-level bind-address); 0 (the default) picks a free one. */
  readonly rpcPort?: number;
  readonly binary?: string;
  /** How long influxd may go without answering /ping and without writing a log line (30 s by default). */
  readonly readyTimeoutMs?: number;
  readonly onLog?: (line: string) => void;
  /** Told when an influxd left running by a run that is gone is stopped before this one starts. */
  readonly onOrphan?: (message: string) => void;
  /**
   * Given, an influxd that exits while running is started again (the platform's own); told each
   * time. Without it (a test's InfluxDB that the test kills on purpose) an exit stays an exit.
   */
  readonly onRestart?: (message: string) => void;
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

async function assertPortFree(port: number, what: string, setting: string): Promise<void> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new WanxiangError('WX_ERR_PORT_IN_USE', `${what} 127.0.0.1:${port} is in use (${(error as NodeJS.ErrnoException).code}): choose another (${setting}) or 0 for a free one`, { cause: error });
  }
  server.close();
  await once(server, 'close');
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

/**
 * The longest wait for /ping while influxd keeps logging: a data folder of a year's history (593 MB
 * after a backfill) took about 50 s to open its shards on a busy machine, and a fixed 30 s made the
 * start fail twice on a folder that was fine (red team 11). influxd logs each shard it opens, so a
 * start is given up only after `quietMs` without an answer or a log line, or after this.
 */
const READY_LIMIT_MS = 15 * 60_000;

async function waitUntilReady(url: string, child: ChildProcess, quietMs: number, lastOutputAt: () => number): Promise<void> {
  const startedAt = Date.now();
  const deadline = () => Math.min(startedAt + READY_LIMIT_MS, Math.max(startedAt, lastOutputAt()) + quietMs);
  while (Date.now() < deadline()) {
    if (child.exitCode !== null) throw new WanxiangError('WX_ERR_INFLUXD_START', `influxd exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 204) return;
    } catch {
      // not listening yet: polling is the only readiness signal influxd 1.x gives
    }
    await delay(100);
  }
  const waited = Date.now() - startedAt;
  throw new WanxiangError('WX_ERR_INFLUXD_START', waited >= READY_LIMIT_MS
    ? `influxd did not answer /ping at ${url} within ${READY_LIMIT_MS / 60_000} min, though it kept logging`
    : `influxd did not answer /ping at ${url} and wrote no log line for ${quietMs} ms (waited ${Math.round(waited / 1_000)} s in all)`);
}

interface HeldLock { owner?: number; influxd?: number; ownerIdentity?: ProcessIdentity; influxdIdentity?: ProcessIdentity }

/**
 * `influxd.lock` in the data folder: two influxd on one folder corrupt it, so a second start
 * is refused while the process that holds the lock (our run or its influxd) still lives. A lock
 * whose processes are all gone (a crash) is taken over. Created with O_EXCL: of two starts racing,
 * one wins. Each pid is kept with its identity (boot id, start time), so a pid reused since is
 * not taken for the holder. An influxd whose starter is gone (a `kill -9` of the platform leaves
 * its influxd running, in a process group of its own) is stopped and the lock taken over: it
 * belongs to no run, and refusing because of it kept the folder locked until someone found it.
 */
async function takeLock(dataDir: string, onLog?: (line: string) => void): Promise<{ path: string; update(influxdPid: number): Promise<void>; release(): Promise<void> }> {
  const path = join(dataDir, 'influxd.lock');
  const ownerIdentity = await processIdentity(process.pid);
  const content = async (influxd?: number) => `${JSON.stringify({ owner: process.pid, influxd, ownerIdentity, influxdIdentity: influxd ? await processIdentity(influxd) : undefined })}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await writeFile(path, await content(), { flag: 'wx' });
      let released = false;
      return {
        path,
        update: async (influxdPid) => writeFile(path, await content(influxdPid)),
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
    let held: HeldLock = {};
    try {
      held = JSON.parse(await readFile(path, 'utf8')) as HeldLock;
    } catch {
      // unreadable or half-written: treated as stale below only when its processes are gone
    }
    const ownerAlive = await recordedProcessAlive(held.owner, held.ownerIdentity);
    const influxdAlive = await recordedProcessAlive(held.influxd, held.influxdIdentity);
    // This very process as owner (a second launch in one process) holds the folder only through
    // a live influxd: with its influxd gone (a test killed it), the lock is stale as before.
    if (influxdAlive && !ownerAlive) {
      await stopOrphanedInfluxd(held.influxd!, held.owner, join(dataDir, 'influxd.conf'), path, onLog);
    } else if (influxdAlive || (ownerAlive && held.owner !== process.pid)) {
      const holder = influxdAlive ? held.influxd! : held.owner!;
      throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `${dataDir} is in use by ${influxdAlive ? 'influxd' : 'process'} ${holder} (lock ${path}; started by process ${held.owner}): stop that run first, or give this one a data folder of its own (--data-dir, WX_DATA_DIR)`, { value: holder });
    }
    await rm(path, { force: true }); // stale: its processes are gone
  }
  throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `cannot take the lock ${path}`);
}

/** Starts Debian's influxd with its own config, data folder and port, and waits for /ping. */
export async function startLocalInfluxd(options: LaunchOptions): Promise<LocalInfluxd> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const lock = await takeLock(dataDir, options.onOrphan);
  try {
    return await launch(options, dataDir, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function launch(options: LaunchOptions, dataDir: string, lock: Awaited<ReturnType<typeof takeLock>>): Promise<LocalInfluxd> {
  // Issue 19, item 7: both ports may be chosen (WX_INFLUXD_PORT, WX_INFLUXD_RPC_PORT); a chosen
  // port that is taken is said before influxd fails on it with a log line nobody sees.
  if (options.port) await assertPortFree(options.port, "the local influxd's HTTP port", 'WX_INFLUXD_PORT, start --influxd-port');
  if (options.rpcPort) await assertPortFree(options.rpcPort, "the local influxd's RPC port", 'WX_INFLUXD_RPC_PORT, start --influxd-rpc-port');
  const httpPort = options.port || (await freePort());
  const rpcPort = options.rpcPort || (await freePort());
  const configPath = join(dataDir, 'influxd.conf');
  await writeFile(configPath, influxdConfig(dataDir, httpPort, rpcPort));

  // Issue 21 ("Stopping"): in its own process group, so a terminal's Ctrl-C (SIGINT to the whole
  // foreground group) reaches only us; we stop influxd last, after ingest drained and the rollups
  // ended, instead of it dying first under them ("rollup failed" nine times over).
  const spawnInfluxd = () => {
    const started = spawn(options.binary ?? 'influxd', ['-config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    started.stdout.on('data', forward);
    started.stderr.on('data', forward);
    return started;
  };
  let lastOutputAt = 0;
  const forward = (chunk: Buffer) => {
    lastOutputAt = Date.now();
    for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLog?.(line);
  };
  const child = spawnInfluxd();
  if (child.pid !== undefined) await lock.update(child.pid);
  const spawnError = once(child, 'error').then(([error]) => {
    throw new WanxiangError('WX_ERR_INFLUXD_START', `cannot run influxd: ${(error as Error).message} (apt-get install influxdb)`);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await Promise.race([waitUntilReady(url, child, options.readyTimeoutMs ?? 30_000, () => lastOutputAt), spawnError]);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    throw error;
  }
  spawnError.catch(() => undefined);

  // An influxd that exits while the platform runs (an OOM kill, someone's `kill`) is started again
  // on the same port and files, with backoff: before, nothing said it was gone and the drainer
  // waited for ever for a database nobody would start (the readings were safe in the spool).
  let current = child;
  let stopping = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  const watch = (watched: ChildProcess) => watched.once('exit', (code, signal) => {
    if (stopping) return;
    const waitMs = Math.min(30_000, 1_000 * 2 ** Math.min(restarts, 5));
    restarts += 1;
    options.onRestart?.(`the local influxd (pid ${watched.pid}) exited (${signal ?? `code ${code}`}) while the platform ran: it is started again in ${waitMs} ms at ${url}; readings wait in the spool meanwhile`);
    restartTimer = setTimeout(() => {
      if (stopping) return;
      current = spawnInfluxd();
      current.on('error', () => undefined); // a failed spawn exits too: the next restart follows
      if (current.pid !== undefined) void lock.update(current.pid).catch(() => undefined);
      watch(current);
    }, waitMs);
  });
  if (options.onRestart) watch(child);

  return {
    url,
    dataDir,
    get pid() {
      return current.pid!;
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      if (current.exitCode === null && current.signalCode === null) {
        const running = current;
        const exited = once(running, 'exit');
        running.kill('SIGTERM');
        const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await lock.release();
    },
  };
}
