import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { platformNodeFlags } from '../../bench/lib/children.ts';
import { contextCopies, execForm, instructions, parseDockerfile, stageEnv } from '../helpers/dockerfile.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const text = (path: string) => readFile(join(root, path), 'utf8');

/** `docker-compose config` (Debian's docker-compose 1.29) with an env file: the file as Docker Compose reads it. */
async function composeConfig(envFile: string, ...extra: string[]): Promise<string> {
  const { stdout } = await run('docker-compose', ['--project-directory', root, '--env-file', envFile, '-f', join(root, 'docker-compose.yml'), ...extra, 'config'], { cwd: root });
  return stdout;
}

describe('Dockerfile and docker-compose', () => {
  it('docker-compose config accepts the compose file with .env.example, demo profile included', async () => {
    const config = await composeConfig(join(root, '.env.example'), '--profile', 'demo');
    for (const service of ['influxdb:', 'wanxiang:', 'simulator:', 'history:', 'prometheus:', 'grafana:']) expect(config).toContain(`  ${service}`);
    expect(config).toMatch(/image: influxdb:1\.\d+/);
    expect(config).toContain('INFLUX_URL: http://influxdb:8086');
    expect(config).toContain('PROMETHEUS_URL: http://prometheus:9090');
    expect(config).toContain('WX_ALLOW_INSECURE_DEMO');
    expect(config).toMatch(/dashboards\/provisioning:\/etc\/grafana\/provisioning:ro/);
    expect(config).toMatch(/dashboards\/json:\/var\/lib\/grafana\/dashboards:ro/);
    // The simulated district runs only with --profile demo.
    for (const demo of ['simulator', 'history']) expect(config).toMatch(new RegExp(` {2}${demo}:\\n(?: {4}.*\\n)*? {4}profiles:\\n {4}- demo\\n`));
  });

  it('layers a two-node cluster sharing Redis over the compose file (deploy/cluster)', async () => {
    const config = await composeConfig(join(root, '.env.example'), '-f', join(root, 'deploy/cluster/docker-compose.cluster.yml'));
    for (const service of ['redis:', 'wanxiang:', 'wanxiang-b:']) expect(config).toContain(`  ${service}`);
    const env = (service: string) => new RegExp(`\n {2}${service}:\n(?: {4}.*\n| {6}.*\n)*? {4}environment:\n((?: {6}.*\n)+)`).exec(config)?.[1] ?? '';
    for (const [service, node] of [['wanxiang', 'node-a'], ['wanxiang-b', 'node-b']]) {
      expect(env(service!)).toContain('WX_REDIS_URL: redis://:change-me-redis-password@redis:6379/0');
      expect(env(service!)).toContain(`WX_NODE_ID: ${node}`);
      expect(env(service!)).toContain('INFLUX_URL: http://influxdb:8086');
    }
    // The second node is built from the repository, not from the override file's folder.
    expect(config).toMatch(new RegExp(` {2}wanxiang-b:\n {4}build:\n {6}context: ${root.replace(/\/$/, '')}\n`));
    expect(config).toContain('deploy/cluster/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(await text('deploy/cluster/prometheus.yml')).toMatch(/targets: \["wanxiang:3000", "wanxiang-b:3000"\]/);
    const cluster = (await text('deploy/cluster/docker-compose.cluster.yml')).split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    const example = new Set([...(await text('.env.example')).matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]!));
    expect([...cluster.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!).filter((name) => !example.has(name))).toEqual([]);
  });

  it('starts the platform with the same node flags in npm start, the image and the benches', async () => {
    const scripts = (JSON.parse(await text('package.json')) as { scripts: Record<string, string> }).scripts;
    const flags = platformNodeFlags.join(' ');
    expect(scripts.start).toBe(`node ${flags} bin/wanxiang.js start --hj212-port 9212`);
    const cmd = instructions(parseDockerfile(await text('Dockerfile')).at(-1)!, 'CMD').at(-1)!;
    expect(execForm(cmd)).toEqual(['node', ...platformNodeFlags, 'bin/wanxiang.js', 'start', '--hj212-port', '9212']);
  });

  it('refuses to configure without the secrets, naming the one missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-compose-'));
    try {
      await writeFile(join(dir, 'empty.env'), '# nothing\n');
      await expect(composeConfig(join(dir, 'empty.env'))).rejects.toThrow(/INFLUX_ADMIN_PASSWORD|INFLUX_READ_PASSWORD|WX_FLEET_KEY|GRAFANA_ADMIN_PASSWORD/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names in .env.example every variable the compose file reads', async () => {
    const compose = (await text('docker-compose.yml')).split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    const used = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!));
    const example = new Set([...(await text('.env.example')).matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]!));
    expect([...used].filter((name) => !example.has(name))).toEqual([]);
  });

  it('points Prometheus at the platform service and port, and Grafana at both data sources', async () => {
    expect(await text('deploy/prometheus/prometheus.yml')).toMatch(/targets: \["wanxiang:3000"\]/);
    const datasources = await text('dashboards/provisioning/datasources/datasources.yml');
    expect(datasources).toContain('url: ${INFLUX_URL}');
    expect(datasources).toContain('url: ${PROMETHEUS_URL}');
  });

  it('builds in stages from repository files only: npm ci --omit=dev, slim non-root runtime, health check, volume', async () => {
    const stages = parseDockerfile(await text('Dockerfile'));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const [build, runtime] = [stages[0]!, stages.at(-1)!];
    expect(build.instructions.some(({ op, args }) => op === 'RUN' && /npm ci\b.*--omit=dev/.test(args))).toBe(true);
    expect(runtime.from).toBe('node:20-bookworm-slim');
    const user = runtime.instructions.filter(({ op }) => op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)$/);
    expect(runtime.instructions.find(({ op }) => op === 'HEALTHCHECK')?.args).toMatch(/CMD \["node".*\/healthz/);
    expect(runtime.instructions.find(({ op }) => op === 'VOLUME')?.args).toContain('/data');
    // A container is reached from outside: the platform listens on every interface there.
    expect(stageEnv(runtime)).toMatchObject({ WX_MQTT_HOST: '0.0.0.0', WX_HTTP_HOST: '0.0.0.0', WX_DATA_DIR: '/data' });
    const ignored = (await text('.dockerignore')).split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    for (const stage of stages) {
      for (const source of contextCopies(stage).flatMap((copy) => copy.sources)) {
        expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
        expect(ignored.some((pattern) => source.replace(/\/$/, '') === pattern), `COPY ${source} is in .dockerignore`).toBe(false);
      }
    }
  });

  it('starts the image with the command npm start runs', async () => {
    const runtime = parseDockerfile(await text('Dockerfile')).at(-1)!;
    const cmd = execForm(instructions(runtime, 'CMD').at(-1)!);
    const scripts = (JSON.parse(await text('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(cmd.join(' ')).toBe(scripts.start);
  });

  it('copies every file the start command imports, and needs only production dependencies', async () => {
    const runtime = parseDockerfile(await text('Dockerfile')).at(-1)!;
    const copied = contextCopies(runtime).flatMap((copy) => copy.sources);
    const pkg = JSON.parse(await text('package.json')) as { dependencies: Record<string, string> };
    const seen = new Set<string>();
    const queue = [resolve(root, 'bin/wanxiang.js')];
    const problems: string[] = [];
    for (let file = queue.shift(); file; file = queue.shift()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const path = relative(root, file);
      if (!copied.some((source) => path === source || path.startsWith(`${source.replace(/\/$/, '')}/`))) problems.push(`${path} is imported but not copied`);
      const source = await readFile(file, 'utf8');
      for (const [, specifier] of [...source.matchAll(/(?:^|\s)(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\('([^']+)'\)|^import\s+'([^']+)'/gm)].map((match) => [match[0], match[1] ?? match[2] ?? match[3]])) {
        if (!specifier) continue;
        if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
        else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
          if (!pkg.dependencies[name]) problems.push(`${path} imports ${name}, not a production dependency`);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });
});
