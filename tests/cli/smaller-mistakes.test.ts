import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { repoRoot, runCli, stackTrace } from './run-cli.ts';
import { spawnStart } from './spawn-start.ts';

const parking = (id: string) => ['--id', id, '--family', 'parking', '--site', 'p-dup', '--site-name', 'Dup', '--street', 'dongmen', '--lat', '22.55', '--lon', '114.12', '--attributes', '{"capacity":40,"lotKind":"office"}'];

describe('the smaller mistakes of issue 19, item 7', () => {
  let work: string;
  let notInflux: HttpServer;
  let notInfluxUrl: string;
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-item7-'));
    // A web server that answers 200 "ok" to everything, as the user's INFLUX_URL did.
    notInflux = createHttpServer((request, response) => void request.resume().on('end', () => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>ok</html>')));
    notInflux.listen(0, '127.0.0.1');
    await once(notInflux, 'listening');
    notInfluxUrl = `http://127.0.0.1:${(notInflux.address() as { port: number }).port}`;
    taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    takenPort = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    notInflux?.close();
    taken?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('a registry that is not JSON: its line and column, WX_ERR_REGISTRY_INVALID, and no "seed" for the installation\'s registry', async () => {
    const dataDir = join(work, 'broken');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'fleet-key'), 'a-fleet-key-of-this-installation-0123456789\n', { mode: 0o600 });
    const lines = (await readFile(join(repoRoot, 'seeds', 'devices.json'), 'utf8')).split('\n');
    // A street's last property, with a comma after it where none may be, as a hand edit leaves it.
    const at = lines.findIndex((line) => line.includes('"nameEn": "Guiyuan"'));
    lines[at] = `${lines[at]},,`;
    await writeFile(join(dataDir, 'devices.json'), lines.join('\n'));
    const run = await runCli(['devices', 'list', '--data-dir', dataDir], { WX_FLEET_KEY: '', WX_REGISTRY_FILE: '' });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^WX_ERR_REGISTRY_INVALID: devices: the registry ${join(dataDir, 'devices.json')} is not valid JSON at line ${at + 1}, column ${lines[at]!.length}: `, 'm'));
    expect(run.stderr).not.toMatch(/seed/i);
  });

  it('a duplicate devices add is a state conflict: WX_ERR_DEVICE_EXISTS, exit 3, the way to rotate, no usage', async () => {
    const dataDir = join(work, 'dup');
    const first = await runCli(['devices', 'add', '--data-dir', dataDir, ...parking('pk-dup')], { WX_FLEET_KEY: '', WX_REGISTRY_FILE: '' });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['devices', 'add', '--data-dir', dataDir, ...parking('pk-dup')], { WX_FLEET_KEY: '', WX_REGISTRY_FILE: '' });
    expect(again.stderr).not.toMatch(stackTrace);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stderr).toMatch(/^WX_ERR_DEVICE_EXISTS: devices: device pk-dup is in the registry already: 'wanxiang devices rotate --id pk-dup' gives it a new secret$/m);
    expect(again.stderr).not.toMatch(/Usage:/);
    expect(again.stdout).toBe('');
  });

  it('an INFLUX_URL that is not InfluxDB is named as such (no X-Influxdb-Version), by start and by rollup', async () => {
    const start = await runCli(['start', '--no-simulate', '--influx-url', notInfluxUrl, '--data-dir', join(work, 'not-influx'), '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0']);
    expect(start.stderr).not.toMatch(stackTrace);
    expect(start.code, start.stderr).toBe(1);
    expect(start.stderr).toMatch(new RegExp(`^WX_ERR_NOT_INFLUXDB: start: the server at ${notInfluxUrl} is not InfluxDB: its /ping answered 200 without an X-Influxdb-Version header`, 'm'));
    const rollup = await runCli(['rollup', '--from', '2026-01-01', '--to', '2026-01-02', '--influx-url', notInfluxUrl]);
    expect(rollup.code, rollup.stderr).toBe(1);
    expect(rollup.stderr).toMatch(/^WX_ERR_NOT_INFLUXDB: rollup: /m);
  });

  it('dates typed in Beijing time are echoed in Beijing time', async () => {
    const run = await runCli(['backfill', '--from', '2025-03-02', '--to', '2025-03-01T08:00']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^WX_ERR_INVALID_ARGUMENT: backfill: --to must come after --from \(2025-03-02T00:00\+08:00 to 2025-03-01T08:00\+08:00 is empty\)/m);
  });

  it('the local influxd\'s ports are chosen with --influxd-port / --influxd-rpc-port; a taken one is named', async () => {
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const started = await spawnStart(['--no-simulate', '--data-dir', join(work, 'ports'), '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0', '--influxd-port', String(httpPort), '--influxd-rpc-port', String(rpcPort)], { INFLUX_URL: '' });
    try {
      expect(started.output()).toMatch(new RegExp(`^\\s+InfluxDB\\s+http://127\\.0\\.0\\.1:${httpPort}\\s`, 'm'));
      const runtime = JSON.parse(await readFile(join(work, 'ports', 'runtime.json'), 'utf8')) as { influxUrl: string };
      expect(runtime.influxUrl).toBe(`http://127.0.0.1:${httpPort}`);
      expect(await readFile(join(work, 'ports', 'influxdb', 'influxd.conf'), 'utf8')).toContain(`bind-address = "127.0.0.1:${rpcPort}"`);
    } finally {
      await started.stop();
    }
    const refused = await runCli(['start', '--no-simulate', '--data-dir', join(work, 'taken'), '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '', WX_INFLUXD_PORT: String(takenPort) });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^WX_ERR_PORT_IN_USE: start: the local influxd's HTTP port 127\\.0\\.0\\.1:${takenPort} is in use .*WX_INFLUXD_PORT`, 'm'));
  });

  it('the devices page, devices --help and the city guide tell the code\'s story of secret hashing: SHA-256 for device tokens, scrypt for observers', async () => {
    const help = await runCli(['devices', '--help']);
    expect(help.stdout).toMatch(/registry keeps only its\s+SHA-256 hash/);
    // scrypt only where a person (or a data logger's short PW) chose the secret.
    expect(help.stdout.split('\n').filter((line) => /scrypt/.test(line) && !/observer|--hj212-pw/.test(line))).toEqual([]);
    const guide = await readFile(join(repoRoot, 'docs', 'deploy-city.md'), 'utf8');
    expect(guide).toMatch(/SHA-256 of a device's random 256-bit token; scrypt for an observer's password/);
    const devicesPage = await readFile(join(repoRoot, 'docs', 'devices.md'), 'utf8');
    expect(devicesPage).toMatch(/SHA-256 of a device's random 256-bit token/);
    // The code: what `devices add` stores (the dup test's registry).
    const added = (await loadRegistryFile(join(work, 'dup', 'devices.json'))).devices.find((device) => device.id === 'pk-dup');
    expect(added?.secretHash).toMatch(/^sha256\$/);
  });
});

describe('a gunzipped recording (.ndjson) is replayed like the .ndjson.gz (issue 19, item 7)', () => {
  let live: TestPlatform;
  let work: string;

  beforeAll(async () => {
    live = await startTestPlatform();
    work = await mkdtemp(join(tmpdir(), 'wanxiang-plain-recording-'));
  });

  afterAll(async () => {
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('replay takes the plain NDJSON and publishes the same as from the gzip', async () => {
    const gzip = join(repoRoot, 'seeds', 'recordings', 'district-day.ndjson.gz');
    const plain = join(work, 'district-day.ndjson');
    await writeFile(plain, gunzipSync(await readFile(gzip)));
    const copy = join(work, 'district-day.ndjson.gz');
    await copyFile(gzip, copy);
    const args = (file: string) => ['replay', file, '--url', live.endpoints.mqttUrl, '--speed', 'max', '--device', 'air-guiyuan'];
    const env = { WX_FLEET_KEY: live.config.fleetKey, WX_DATA_DIR: live.config.dataDir };
    const fromPlain = await runCli(args(plain), env);
    expect(fromPlain.stderr).not.toMatch(stackTrace);
    expect(fromPlain.code, fromPlain.stderr).toBe(0);
    const fromGzip = await runCli(args(copy), env);
    expect(fromGzip.code, fromGzip.stderr).toBe(0);
    const published = (text: string) => (JSON.parse(text) as { sent: number }).sent;
    expect(published(fromPlain.stdout)).toBeGreaterThan(0);
    expect(published(fromPlain.stdout)).toBe(published(fromGzip.stdout));
    // A text file that is no recording is still refused before connecting.
    await writeFile(join(work, 'notes.ndjson'), '{"hello":1}\n');
    const refused = await runCli(args(join(work, 'notes.ndjson')), env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^WX_ERR_FILE: replay: .*notes\.ndjson is not a recording: recordings are NDJSON, gzip-compressed \(\.ndjson\.gz.*or plain \(\.ndjson\)/m);
  });
});
