import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformNodeFlags } from '../../bench/lib/children.ts';
import { defaultFleetKey } from '../../services/config.ts';

export interface SpawnedPlatform {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly operatorToken: string;
  readonly output: () => string;
  /** SIGSTOP: the process hangs, its sockets stay open and nothing is sent (a hung platform); resume() undoes it. */
  pause(): void;
  resume(): void;
  stop(): Promise<number | null>;
}

/**
 * The platform as `npm start` starts it (`node --max-semi-space-size=64 bin/wanxiang.js start`, simulators on), on free
 * ports, with a data folder and database of its own, against the test run's influxd.
 */
export async function spawnPlatform(influxUrl: string, env: Record<string, string> = {}): Promise<SpawnedPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-spawned-'));
  const operatorToken = randomBytes(16).toString('hex');
  const child: ChildProcess = spawn(process.execPath, [...platformNodeFlags, 'bin/wanxiang.js', 'start', '--data-dir', dataDir, '--influx-url', influxUrl, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], {
    // The seeded registry's secrets derive from the development fleet key (on loopback, as here,
    // the platform accepts it); without it the first start would make an installation key of its own.
    env: { ...process.env, WX_FLEET_KEY: defaultFleetKey, INFLUX_DB: `screen_${randomBytes(5).toString('hex')}`, WX_API_TOKENS: `operator:${operatorToken}`, WX_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The banner names the HTTP address (the screen's, or /healthz); /healthz names the broker's to an operator.
  const httpUrl = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /(http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+)/.exec(text);
      if (match && /running/i.test(text)) return resolve(match[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`the platform exited (${code}) before it was ready:\n${text}`)));
  });
  // A test that sets its own tokens asks with its operator's (or admin's): only they see the endpoints.
  const asked = (env.WX_API_TOKENS ?? '').split(',').map((entry) => entry.split(':')).find((parts) => parts[0] === 'operator' || parts[0] === 'admin')?.at(-1) ?? operatorToken;
  // A test whose tokens include neither (a reader's only) uses no broker: its mqttUrl stays unset.
  const health = (await (await fetch(`${httpUrl}/healthz`, { headers: { authorization: `Bearer ${asked}` } })).json()) as { mqttUrl: string };
  return {
    httpUrl, mqttUrl: health.mqttUrl, operatorToken, output: () => text,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      // A paused platform would never handle its SIGTERM.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
