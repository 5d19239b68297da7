import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { simulatedStationPw } from '../../services/hj212/simulated-station.ts';
import { createLogger } from '../../services/log.ts';
import { hashSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { connectStation, parseStationUrl } from '../../simulators/hj212-client.ts';
import { createHj212Fleet } from '../../simulators/hj212-fleet.ts';
import { beijingStamp } from '../../simulators/hj212-packets.ts';
import { startRecorder } from '../../simulators/recorder.ts';
import { loadRecording } from '../../simulators/recording.ts';
import { replayRecording } from '../../simulators/replay.ts';
import { runCli } from '../cli/run-cli.ts';
import { waitFor } from '../durability/helpers.ts';
import { spawnPlatform } from '../helpers/spawned-platform.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

async function hj212Platform(registryFile?: string): Promise<TestPlatform> {
  const platform = await startTestPlatform({ hj212: { port: 0 }, ...(registryFile ? { registryFile } : {}) });
  cleanup.push(() => platform.close());
  return platform;
}

describe('npm start: the simulated district has HJ 212 stations (issue 20, item 5)', () => {
  it('national air stations, water sections and VOC exhaust points land through the receiver; the rest over MQTT', async () => {
    const database = `sim_hj212_${randomBytes(4).toString('hex')}`;
    const platform = await spawnPlatform(inject('influxUrl'), { WX_HJ212_PORT: '0', INFLUX_DB: database });
    cleanup.push(() => platform.stop());
    const influx = createInfluxClient({ url: inject('influxUrl'), database });
    cleanup.push(() => influx.query(`DROP DATABASE "${database}"`, { database: null }));
    const count = async (query: string) => Number((await influx.query(query).catch(() => []))[0]?.values[0]?.[1] ?? 0);
    const devicesOf = async (query: string) => (await influx.query(query).catch(() => [])).map((series) => series.tags?.device);
    // Hourly values (2061, answered with 9014) of the last complete hour, sent at start: `_hj212`, interval=hour.
    await waitFor(async () => (await count(`SELECT count(pm25_ugm3) FROM air_quality_hj212 WHERE device = 'air-nanhu' AND "interval" = 'hour'`)) >= 1, 'air-nanhu hourly over HJ 212', 120_000);
    await waitFor(async () => (await devicesOf(`SELECT count(ph) FROM water_quality_hj212 WHERE "interval" = 'hour' GROUP BY device`)).length === 9, 'the nine water sections hourly over HJ 212', 120_000);
    // Real-time values (2011) in the family's measurement, tagged interval=rtd: only the HJ 212 door writes that tag.
    await waitFor(async () => (await count(`SELECT count(pm25_ugm3) FROM air_quality WHERE device = 'air-liantang' AND "interval" = 'rtd'`)) >= 1, 'air-liantang real time over HJ 212', 120_000);
    await waitFor(async () => (await devicesOf(`SELECT count(nmhc_mgm3) FROM voc WHERE "interval" = 'rtd' GROUP BY device`)).length === 2, 'both VOC exhaust points over HJ 212', 120_000);
    // A district station stays on MQTT JSON: its rows carry no interval tag, and none come through HJ 212.
    await waitFor(async () => (await count(`SELECT count(pm25_ugm3) FROM air_quality WHERE device = 'air-guiyuan' AND "interval" = ''`)) >= 1, 'air-guiyuan over MQTT', 120_000);
    expect(await count(`SELECT count(pm25_ugm3) FROM air_quality WHERE device = 'air-guiyuan' AND "interval" = 'rtd'`)).toBe(0);
    const headers = { authorization: `Bearer ${platform.operatorToken}` };
    const devices = (await (await fetch(`${platform.httpUrl}/api/v1/devices`, { headers })).json()) as { devices: Array<{ id: string; hj212?: { protocol?: string } }> } | Array<{ id: string }>;
    expect(JSON.stringify(devices)).toContain('"protocol":"hj212"');
    const live = (await (await fetch(`${platform.httpUrl}/api/v1/live`, { headers })).json()) as { families: Array<{ family: string; units: Record<string, string>; devices: Array<{ id: string; values: Record<string, number> | null }> }> };
    const voc = live.families.find((group) => group.family === 'voc')!;
    expect(voc.units.nmhc).toBe('mg/m³');
    await waitFor(async () => {
      const again = (await (await fetch(`${platform.httpUrl}/api/v1/live`, { headers })).json()) as typeof live;
      return again.families.find((group) => group.family === 'voc')!.devices.every((device) => typeof device.values?.nmhc === 'number');
    }, 'the VOC exhaust points in /api/v1/live', 60_000);
  }, 240_000);
});

describe('wanxiang simulate --protocol hj212', () => {
  it('runs the registry stations of any family with codes over TCP, noise and water here', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-sim-hj212-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = JSON.parse(await readFile('seeds/devices.json', 'utf8')) as RegistryFile;
    const noise = file.devices.find((device) => device.id === 'noise-buxin-road-1')!;
    noise.hj212 = { mn: '440303NS000001', pwHash: await hashSecret(simulatedStationPw(defaultFleetKey, noise.id), undefined, { N: 1024, r: 8, p: 1 }), crc: 'strict' };
    const registryFile = join(dir, 'devices.json');
    await writeFile(registryFile, JSON.stringify(file));
    const platform = await hj212Platform(registryFile);
    const env = { WX_FLEET_KEY: defaultFleetKey, WX_REGISTRY_FILE: registryFile, WX_DATA_DIR: join(dir, 'data'), WX_LOG_LEVEL: 'warn' };
    const grid = await runCli(['simulate', '--protocol', 'hj212', '--family', 'grid', '--hj212-url', platform.endpoints.hj212Url!, '--duration', '1'], env);
    expect(grid.code).toBe(2);
    expect(grid.stderr).toContain('no HJ 212 codes');
    const run = await runCli(['simulate', '--protocol', 'hj212', '--family', 'noise', '--family', 'water', '--interval', '300', '--hj212-url', platform.endpoints.hj212Url!, '--duration', '4'], env, 120_000);
    expect(run.stderr).not.toContain('WX_ERR');
    expect(run.code).toBe(0);
    const stats = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { protocol: string; stations: number; answered: number };
    expect(stats).toMatchObject({ protocol: 'hj212', stations: 10 });
    expect(stats.answered).toBeGreaterThanOrEqual(10);
    await platform.platform.ingest.drain();
    expect(await platform.countPoints('noise', `device = 'noise-buxin-road-1' AND "interval" = 'rtd'`)).toBeGreaterThan(0);
    expect(await platform.countPoints('noise_hj212', `device = 'noise-buxin-road-1' AND "interval" = 'hour'`)).toBe(1);
    expect(await platform.countPoints('water_quality_hj212', `"interval" = 'hour'`)).toBe(9);
  }, 180_000);
});

describe('record and replay keep raw HJ 212 frames', () => {
  it('records the frames the platform stored, and a replay sends them over TCP to another platform, where they land', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-rec-hj212-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'district.ndjson.gz');
    const live = await hj212Platform();
    const recorder = await startRecorder({ url: live.endpoints.mqttUrl, username: 'observer', password: simulatedDeviceSecret(live.config.fleetKey, 'observer'), topics: live.topics, path });
    const stations = live.platform.registry.devices.filter((device) => device.id === 'air-nanhu' || device.id === 'voc-shuibei-casting');
    const fleet = createHj212Fleet({ url: parseStationUrl(live.endpoints.hj212Url!), devices: stations, fleetKey: live.config.fleetKey, seed: 5, log: createLogger('silent'), intervalMs: 200 });
    await fleet.start();
    await waitFor(() => fleet.stats().answered >= 2 && fleet.stats().sent >= 8, 'answered hours and real-time packets');
    await fleet.close();
    await waitFor(() => recorder.recorded >= fleet.stats().sent, 'the relayed frames at the recorder', 30_000);
    await recorder.stop();
    const { frames } = await loadRecording(path);
    expect(frames.length).toBeGreaterThanOrEqual(8);
    // The PW is masked in what observers read and record keeps (red team 1); replay puts the target's in its place.
    expect(frames[0]!.hj212).toMatch(/^##\d{4}QN=\d{17};ST=\d\d;CN=20[16]1;PW=\*{6};MN=440303/);
    for (const station of stations) expect(frames.some((frame) => frame.hj212!.includes(simulatedStationPw(live.config.fleetKey, station.id)))).toBe(false);
    expect(frames.every((frame) => frame.hj212!.endsWith('\r\n'))).toBe(true);

    const target = await hj212Platform();
    const report = await replayRecording({
      url: target.endpoints.mqttUrl, fleetKey: target.config.fleetKey, topics: target.topics, path,
      devices: new Map(target.platform.registry.devices.map((device) => [device.id, device])),
      speed: Number.POSITIVE_INFINITY, timestamps: 'original', hj212Url: parseStationUrl(target.endpoints.hj212Url!),
    });
    expect(report.sent).toBe(frames.length);
    // Real-time packets ask for no answer: wait for them to land. DataTime has whole seconds, so packets of one second are one point.
    const recordedSeconds = new Set(frames.filter((frame) => frame.station === 'voc-shuibei-casting' && frame.hj212!.includes('CN=2011')).map((frame) => /DataTime=(\d{14})/.exec(frame.hj212!)![1])).size;
    await waitFor(async () => (await target.countPoints('voc', `device = 'voc-shuibei-casting' AND "interval" = 'rtd'`)) === recordedSeconds, 'the replayed real-time frames in InfluxDB', 30_000);
    expect(await target.countPoints('air_quality_hj212', `device = 'air-nanhu' AND "interval" = 'hour'`)).toBe(1);
  }, 180_000);
});

describe('the VOC family arrives over HJ 212 (issue 20, item 3)', () => {
  it('a VOC exhaust point\'s real-time packet lands with its fields in mg/m³, and in the live view', async () => {
    const platform = await hj212Platform();
    const device = platform.device('voc-shuibei-plating');
    const connection = await connectStation(parseStationUrl(platform.endpoints.hj212Url!));
    cleanup.push(() => connection.close());
    const at = Date.now() - 60_000;
    const pw = simulatedStationPw(platform.config.fleetKey, device.id);
    connection.send(encodeFrame(`QN=${beijingStamp(at, true)};ST=31;CN=2011;PW=${pw};MN=${device.hj212!.mn};Flag=5;CP=&&DataTime=${beijingStamp(at)};a24088-Rtd=35.2,a24088-Flag=N;a25002-Rtd=0.21,a25002-Flag=N;a25003-Rtd=3.4,a25003-Flag=N;a25005-Rtd=4.1,a25005-Flag=N;a25004-Rtd=1.2,a25004-Flag=N;a24087-Rtd=37.0,a24087-Flag=N&&`));
    expect(await connection.nextReply()).toContain('CN=9014');
    await platform.platform.ingest.drain();
    const rows = await platform.platform.influx.query(`SELECT nmhc_mgm3, benzene_mgm3, toluene_mgm3, xylene_mgm3, ethylbenzene_mgm3, thc_mgm3, nmhc_mgm3_flag FROM voc WHERE device = '${device.id}'`);
    expect(rows[0]!.values[0]!.slice(1)).toEqual([35.2, 0.21, 3.4, 4.1, 1.2, 37, 'N']);
    expect(rows[0]!.values[0]![0]).toBe(Math.floor(at / 1_000) * 1_000);
    const live = (await (await fetch(`${platform.endpoints.httpUrl}/api/v1/live?family=voc`)).json()) as { families: Array<{ family: string; devices: Array<{ id: string; values: Record<string, number> | null; state: { label: string } }> }> };
    const shown = live.families.find((group) => group.family === 'voc')!.devices.find((entry) => entry.id === device.id)!;
    expect(shown.values).toMatchObject({ nmhc: 35.2, benzene: 0.21, toluene: 3.4, xylene: 4.1 });
    expect(shown.state.label).toBe('voc-within');
  }, 120_000);
});
