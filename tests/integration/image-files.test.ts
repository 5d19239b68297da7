import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contextCopies, execForm, instructions, parseDockerfile, stageEnv, type DockerStage } from '../helpers/dockerfile.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

/**
 * Docker cannot run here, so the image is assembled the way its Dockerfile says, in a
 * temporary folder: the build stage's COPY and RUN (npm ci --omit=dev, from npm's cache
 * where it can), then the runtime stage's COPY from the context, its ENV and its CMD. The
 * platform must start from those files alone, and the HEALTHCHECK command must pass.
 */
describe('the image, assembled from the Dockerfile without Docker', () => {
  let app: string;
  let dataDir: string;
  let runtime: DockerStage;
  let platform: ChildProcess | undefined;
  const database = `image_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const stages = parseDockerfile(await readFile(join(root, 'Dockerfile'), 'utf8'));
    const build = stages[0]!;
    runtime = stages.at(-1)!;
    app = await mkdtemp(join(tmpdir(), 'wanxiang-image-'));
    dataDir = join(app, 'data');
    await mkdir(dataDir);
    const copyFromContext = async (stage: DockerStage) => {
      for (const { sources } of contextCopies(stage)) for (const source of sources) await cp(join(root, source), join(app, source), { recursive: true });
    };
    await copyFromContext(build);
    for (const command of instructions(build, 'RUN')) {
      await run('sh', ['-c', command], { cwd: app, env: { ...process.env, npm_config_prefer_offline: 'true' }, timeout: 300_000 });
    }
    await copyFromContext(runtime);
  }, 400_000);
  afterAll(async () => {
    if (platform && platform.exitCode === null) {
      platform.kill('SIGTERM');
      await once(platform, 'exit');
    }
    await fetch(`${inject('influxUrl')}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' }).catch(() => undefined);
    if (app) await rm(app, { recursive: true, force: true });
  });

  it('has only production dependencies installed', async () => {
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--depth=0', '--json'], { cwd: app });
    const installed = Object.keys((JSON.parse(stdout) as { dependencies: Record<string, unknown> }).dependencies);
    const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(installed.sort()).toEqual(Object.keys(pkg.dependencies).sort());
    for (const dev of Object.keys(pkg.devDependencies)) expect(installed, dev).not.toContain(dev);
  });

  it('starts with its CMD from the copied files, takes a backfill (the demo history) and passes its HEALTHCHECK', async () => {
    const [command, ...args] = execForm(instructions(runtime, 'CMD').at(-1)!);
    // The image's ENV, with the data folder and ports of this test instead of /data and fixed
    // ports, and the demo opt-in the image's 0.0.0.0 needs with the development fleet key.
    const env = { PATH: process.env.PATH, ...stageEnv(runtime), WX_DATA_DIR: dataDir, WX_HTTP_PORT: '0', WX_MQTT_PORT: '0', WX_MQTT_WS_PORT: '-1', WX_SIMULATE: '0', WX_ALLOW_INSECURE_DEMO: '1', INFLUX_URL: inject('influxUrl'), INFLUX_DB: database, WX_LOG_LEVEL: 'warn' };
    platform = spawn(command!, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    platform.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = new Promise<string>((resolve, reject) => {
      platform!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Press Ctrl-C to stop.')) resolve(output);
      });
      platform!.once('exit', (code) => reject(new Error(`the platform exited with ${code}: ${output}`)));
    });
    const banner = await started;
    const port = /health\s+http:\/\/127\.0\.0\.1:(\d+)\/healthz/.exec(banner)?.[1];
    expect(port).toBeDefined();
    const healthcheck = instructions(runtime, 'HEALTHCHECK').at(-1)!;
    const [probe, ...probeArgs] = execForm(healthcheck.slice(healthcheck.indexOf('CMD')));
    await expect(run(probe!, probeArgs, { cwd: app, env: { PATH: process.env.PATH, WX_HTTP_PORT: port } })).resolves.toBeDefined();
    // The demo profile's history service: a backfill through the broker, from the image's files.
    const mqtt = /MQTT\s+(mqtt:\/\/\S+)/.exec(banner)?.[1];
    const from = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19) + 'Z';
    // The CMD's node flags and entry point, with another command.
    const entry = args.slice(0, args.indexOf('bin/wanxiang.js') + 1);
    await run(command!, [...entry, 'backfill', '--url', mqtt!, '--from', from, '--to', new Date().toISOString().slice(0, 19) + 'Z', '--devices', '5'], { cwd: app, env: { PATH: process.env.PATH, WX_LOG_LEVEL: 'warn' } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const received = [...metrics.matchAll(/^wanxiang_readings_received_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(received).toBeGreaterThan(0);
    // And the probe fails when nothing answers: it checks, it does not just exit 0.
    platform.kill('SIGTERM');
    await once(platform, 'exit');
    await expect(run(probe!, probeArgs, { cwd: app, env: { PATH: process.env.PATH, WX_HTTP_PORT: port } })).rejects.toThrow();
  });
});
