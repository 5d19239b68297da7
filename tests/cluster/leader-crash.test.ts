import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Alarm } from '../../services/alarms/alarm-types.ts';
import { defaultFleetKey } from '../../services/config.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { createTopics } from '../../services/topics.ts';
import { connectDevice } from '../../simulators/device-client.ts';
import { freePort, spawnWanxiang, startRedis, waitFor } from './servers.ts';

// Without a token: the cluster's state, not the node's name (by default its host's: internals-view.ts).
interface ClusterHealth { cluster?: { leader: boolean; leaderServices: string[] } }

describe('the leader SIGKILLed', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('hands the rollups and the alarm engine, with the alarms it held, to the surviving node once its lease lapses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-leader-crash-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const redis = await startRedis(dir);
    cleanup.push(() => redis.stop());
    const database = `crash_${randomBytes(4).toString('hex')}`;
    cleanup.push(() => createInfluxClient({ url: inject('influxUrl'), database }).query(`DROP DATABASE "${database}"`, { database: null }));

    const nodes: Record<string, { child: ChildProcess; http: string }> = {};
    const ports: Record<string, number> = {};
    for (const name of ['a', 'b']) {
      await copyFile('seeds/devices.json', join(dir, `${name}.json`));
      const httpPort = await freePort();
      const env = {
        INFLUX_URL: inject('influxUrl'), INFLUX_DB: database, WX_LOG_LEVEL: 'warn', WX_SIMULATE: '0', WX_DATA_DIR: join(dir, name),
        WX_MQTT_PORT: String(await freePort()), WX_MQTT_WS_PORT: '-1', WX_HTTP_PORT: String(httpPort),
        WX_REGISTRY_FILE: join(dir, `${name}.json`), WX_REDIS_URL: redis.url, WX_NODE_ID: name, WX_FLEET_KEY: defaultFleetKey,
      };
      ports[name] = Number(env.WX_MQTT_PORT);
      const child = await spawnWanxiang(['start'], env, 'Wanxiang is running');
      cleanup.push(async () => void child.kill('SIGKILL'));
      nodes[name] = { child, http: `http://127.0.0.1:${httpPort}` };
    }
    const health = async (name: string) => ((await (await fetch(`${nodes[name]!.http}/healthz`)).json()) as ClusterHealth).cluster!;

    // Node a started first and leads; b waits.
    await waitFor(async () => (await health('a')).leaderServices.includes('rollups'), 'a running the rollups', 10_000);
    expect(await health('b')).toEqual({ leader: false, leaderServices: [] });

    // A station on b, far over the limit: a's engine opens the alarm, b's replica shows it.
    const registry = JSON.parse(await readFile(join(dir, 'b.json'), 'utf8')) as RegistryFile;
    const station = registry.devices.find((device) => device.family === 'air' && !device.disabled)!;
    const topics = createTopics('luohu');
    const client = await connectDevice(station, { url: `mqtt://127.0.0.1:${ports.b}`, fleetKey: defaultFleetKey, topics }, { reconnectPeriod: 0 });
    cleanup.push(() => client.endAsync(true));
    const overLimit = () => client.publishAsync(topics.build('air', station.id, 'telemetry'), JSON.stringify({ ts: Date.now(), pm25: 250 }), { qos: 1 });
    await overLimit();
    const alarmsOn = async (name: string) => ((await (await fetch(`${nodes[name]!.http}/api/v1/alarms`)).json()) as { alarms: Alarm[] }).alarms
      .filter((alarm) => alarm.deviceId === station.id && alarm.ruleId === 'air-aqi-realtime');
    await waitFor(async () => (await alarmsOn('b')).length === 1, 'the alarm on b', 15_000);
    const [held] = await alarmsOn('b');

    // a dies without a word: no release, so b must wait for the lease (10 s) to lapse.
    nodes.a!.child.kill('SIGKILL');
    await waitFor(async () => (await health('b')).leaderServices.includes('rollups'), 'b running the rollups', 30_000);
    expect(await health('b')).toEqual({ leader: true, leaderServices: ['alarms', 'events', 'rollups'] });
    // b's engine holds a's alarm: the station still over the limit opens no second one.
    await overLimit();
    const airReceived = async () => Number(/wanxiang_readings_received_total\{family="air"\} (\d+)/.exec(await (await fetch(`${nodes.b!.http}/metrics`)).text())?.[1]);
    await waitFor(async () => (await airReceived()) === 2, 'b taking the second reading');
    expect((await alarmsOn('b')).map((alarm) => [alarm.id, alarm.state])).toEqual([[held!.id, 'open']]);
  }, 90_000);
});
