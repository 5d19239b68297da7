import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../../services/storage/influxd-launcher.ts';

export interface Server {
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Resolves once something accepts TCP connections on the port (neither server prints a parseable ready line). */
async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await delay(50);
  }
  throw new Error(`${what} did not listen on ${port}`);
}

function stopper(child: ChildProcess) {
  return async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

/**
 * Debian's mosquitto with a generated configuration (its ports are in the file, `listener PORT …`).
 * The ports were free when the test chose them, but another test's process may take one before
 * mosquitto binds (the export runs in between): then the listener mosquitto names in its log
 * moves to a new free port and mosquitto starts again. `port` is the first listener's port as it
 * ended up, `portOf(chosen)` any listener's.
 */
export async function startMosquitto(confPath: string, port: number): Promise<Server & { portOf(chosen: number): number; log(): string }> {
  // Started as root (a CI container), mosquitto drops to the `mosquitto` user, which cannot
  // read a private temporary folder: keep the test's own user instead (mosquitto.conf(5) `user`).
  if (process.getuid?.() === 0) await appendFile(confPath, 'user root\n');
  const moved = new Map<number, number>();
  const portOf = (chosen: number) => moved.get(chosen) ?? chosen;
  for (let attempt = 1; ; attempt += 1) {
    const child = spawn('/usr/sbin/mosquitto', ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    // Its whole log too (the last 1 MB): "New client connected from … as CLIENT-ID (p2, c0, …)" lines.
    let whole = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
      whole = (whole + chunk.toString()).slice(-1_000_000);
    });
    try {
      await waitForPort(portOf(port), child, 'mosquitto');
      // Whoever holds a taken port answers the probe too: mosquitto is up only if it is still running.
      await delay(300);
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      return { port: portOf(port), portOf, child, stop: stopper(child), log: () => whole };
    } catch (error) {
      await stopper(child)();
      // "Opening ipv4 listen socket on port N." then "Error: Address already in use": N is the taken one.
      const taken = /address already in use/i.test(log) ? [...log.matchAll(/listen socket on port (\d+)/g)].at(-1)?.[1] : undefined;
      if (attempt >= 3 || taken === undefined) throw new Error(`${(error as Error).message}: ${log}`, { cause: error });
      const fresh = await freePort();
      for (const [chosen, now] of moved) if (now === Number(taken)) moved.set(chosen, fresh);
      if (![...moved.values()].includes(fresh)) moved.set(Number(taken), fresh);
      await writeFile(confPath, (await readFile(confPath, 'utf8')).replace(new RegExp(`^listener ${taken}\\b`, 'm'), `listener ${fresh}`));
    }
  }
}

/** mosquitto with the configuration as written, nothing appended (as root it drops to its own user). */
export async function startMosquittoAsConfigured(confPath: string, port: number): Promise<Server & { log: () => string }> {
  const child = spawn('/usr/sbin/mosquitto', ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4_000)));
  await waitForPort(port, child, 'mosquitto').catch((error: Error) => { throw new Error(`${error.message}: ${log}`); });
  return { port, child, stop: stopper(child), log: () => log };
}

/** Debian's redis-server on a free port, its data in `dir`, no snapshots on disk. */
export async function startRedis(dir: string): Promise<Server & { url: string }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
  await waitForPort(port, child, 'redis-server');
  return { port, child, url: `redis://127.0.0.1:${port}`, stop: stopper(child) };
}

/**
 * `node bin/wanxiang.js ...` as its own process (with node flags, e.g. the platform's own or
 * --cpu-prof); resolves once its output shows `ready` (kept as `readyText`). Also bench:subscriber's.
 */
export function spawnWanxiang(args: string[], env: NodeJS.ProcessEnv, ready: string, nodeFlags: readonly string[] = []): Promise<ChildProcess & { readyText: string; output(): string }> {
  const child = spawn(process.execPath, [...nodeFlags, 'bin/wanxiang.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    /** Everything it printed so far, before ready and after (the last 1 MB). */
    let whole = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
      whole = (whole + chunk.toString()).slice(-1_000_000);
      if (output.includes(ready)) resolve(Object.assign(child, { readyText: output, output: () => whole }));
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`wanxiang ${args[0]} exited with ${code}: ${output.slice(-1_500)}`)));
  });
}

/** Runs `node bin/wanxiang.js ...` to its end; its stdout and stderr. */
export async function runWanxiang(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/wanxiang.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

export { freePort };
