import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.ts';
import { freePort } from './servers.ts';

/** The shell blocks of the guide's one-machine section, in order, as a reader copies them. */
async function guideBlocks(): Promise<string[]> {
  const guide = await readFile(join(repoRoot, 'docs', 'deploy-city.md'), 'utf8');
  const start = guide.indexOf('## mosquitto: files from the registry');
  const section = guide.slice(start, guide.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Processes started by the guide's commands (daemons included): their working directory is the test's folder. */
async function processesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if ((await readlink(`/proc/${entry}/cwd`).catch(() => '')) === dir) pids.push(Number(entry));
  }
  return pids;
}

const influxdConf = (dir: string, httpPort: number, rpcPort: number) => `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/influxdb/meta"
[data]
  dir = "${dir}/influxdb/data"
  wal-dir = "${dir}/influxdb/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
`;

describe('docs/deploy-city.md runs as written on one machine (issue 19, item 4)', () => {
  let work: string;
  let redisPort: number | undefined;

  afterAll(async () => {
    // redis-server --daemonize writes its pid file under /var/run by port.
    if (redisPort) await rm(`/var/run/redis_${redisPort}.pid`, { force: true });
    if (!work) return;
    // Only what the guide started here (the daemons too): each has this folder as its working directory.
    for (const pid of await processesIn(work)) process.kill(pid, 'SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('InfluxDB, Redis, the exported mosquitto, two workers and a load that lands every reading', async () => {
    // Under /tmp, traversable: mosquitto, started as root, reads its files as its own user.
    work = await mkdtemp('/tmp/wanxiang-guide-');
    await chmod(work, 0o755);
    const [influx, rpc, devices, ingest, redis] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    redisPort = redis;
    await writeFile(join(work, 'influxdb.conf'), influxdConf(work, influx, rpc));
    // "From the repository's checkout": its seeds, without writing data/ into the real one.
    await symlink(join(repoRoot, 'seeds'), join(work, 'seeds'));
    // The substitutions a test must make: free ports for the guide's fixed ones, this folder for system paths.
    const substitute = (block: string) =>
      block
        .replaceAll('/etc/influxdb/influxdb.conf', join(work, 'influxdb.conf'))
        .replaceAll('/var/log/influxd-wanxiang.log', join(work, 'influxd.log'))
        .replaceAll('/etc/mosquitto/wanxiang', join(work, 'mosquitto'))
        .replaceAll('8086', String(influx))
        .replaceAll('1883', String(devices))
        .replaceAll('1884', String(ingest))
        .replaceAll('6379', String(redis));
    const blocks = await guideBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.join('\n')).toMatch(/redis-server/);
    const script = [
      'set -euo pipefail',
      `wanxiang() { node ${JSON.stringify(join(repoRoot, 'bin', 'wanxiang.js'))} "$@"; }`,
      ...blocks.map(substitute),
    ].join('\n');
    await writeFile(join(work, 'guide.sh'), script);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(WX_|INFLUX_)/.test(name)));
    // Output to files: the daemons the guide starts may hold a pipe open after the script ended.
    const child = spawn('timeout', ['600', 'bash', '-c', `bash ${join(work, 'guide.sh')} >${join(work, 'guide.out')} 2>${join(work, 'guide.err')}`], { cwd: work, env: clean, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const stdout = await readFile(join(work, 'guide.out'), 'utf8');
    const stderr = await readFile(join(work, 'guide.err'), 'utf8');
    const logs = async () => (await Promise.all(['data/ingest-01.log', 'data/ingest-02.log', 'influxd.log'].map((name) => readFile(join(work, name), 'utf8').catch(() => '')))).join('\n---\n').slice(-3_000);
    expect(code, `${stderr.slice(-3_000)}\n${await logs()}`).toBe(0);
    const [, landed, planned] = /landed in .*: (\d+) of (\d+) readings/.exec(stdout) ?? [];
    expect(Number(planned)).toBeGreaterThan(0);
    expect(Number(landed)).toBe(Number(planned));
  }, 700_000);
});
