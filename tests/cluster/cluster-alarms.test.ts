import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm, AlarmChange } from '../../services/alarms/alarm-types.ts';
import type { ConfigInput } from '../../services/config.ts';
import { createClusterAlarms } from '../../services/cluster/cluster-alarms.ts';
import { decodeFeed } from '../../services/cluster/cluster-feed.ts';
import { createClusterSeal } from '../../services/cluster/cluster-seal.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { leaderAndFollower } from '../helpers/cluster-leader.ts';
import { startClusterNode } from '../helpers/cluster-node.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './servers.ts';

const tokens = { operator: 'cluster-operator-token-0123456789' };
const reportIntervalMs = 1_000; // silent after 3 intervals (seeds/alarm-rules.json: device-silent)

describe('alarms once per cluster: two platform nodes sharing Debian redis-server', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let redis: TempRedis;
  const database = `clusteralarms_${randomBytes(4).toString('hex')}`;
  const nodes: Record<string, TestPlatform> = {};
  let leader: TestPlatform;
  let follower: TestPlatform;
  const announced: AlarmChange[] = [];

  async function startNode(name: string): Promise<TestPlatform> {
    const overrides: ConfigInput = { http: { tokens: [{ role: 'operator', token: tokens.operator }] }, alarms: { sweepIntervalMs: 200, reportIntervalMs } };
    return (nodes[name] = await startClusterNode(redis, name, { database, overrides }));
  }

  const now = () => Date.now();
  async function publish(node: TestPlatform, client: MqttClient, device: DeviceRecord, values: Record<string, number>): Promise<void> {
    await client.publishAsync(node.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts: now(), ...values }), { qos: 1 });
  }
  const alarmsOf = (node: TestPlatform, ruleId: string, deviceId: string) => node.platform.alarms.list().filter((alarm) => alarm.ruleId === ruleId && alarm.deviceId === deviceId);
  async function api(node: TestPlatform, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${node.endpoints.httpUrl}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-cluster-alarms-');
    [leader, follower] = await leaderAndFollower(await startNode('a'), await startNode('b'), 'alarms');
    // Alarm changes on MQTT, as the observer of either node sees them (the brokers share Redis).
    const observer = await mqtt.connectAsync(follower.endpoints.mqttUrl, { clientId: `observer-${randomBytes(3).toString('hex')}`, username: 'observer', password: simulatedDeviceSecret(follower.config.fleetKey, 'observer'), reconnectPeriod: 0 });
    cleanup.push(() => observer.endAsync(true));
    observer.on('message', (_topic, payload) => announced.push(JSON.parse(payload.toString()) as AlarmChange));
    await observer.subscribeAsync(follower.topics.alarms(), { qos: 1 });
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    for (const node of Object.values(nodes)) await node.close().catch(() => undefined);
    await redis?.close();
  });

  it('runs the alarm engine on the leader only', () => {
    expect(leader.platform.cluster!.leaderServices.running()).toContain('alarms');
    expect(follower.platform.cluster!.leaderServices.running()).toEqual([]);
  });

  it('raises one alarm for a device on the follower, seen on both nodes and announced once', async () => {
    const device = follower.platform.registry.devices.find((d) => d.family === 'air' && !d.disabled)!;
    const client = await follower.connect(device);
    cleanup.push(() => client.endAsync(true));
    await publish(follower, client, device, { pm25: 250 });
    await waitFor(() => alarmsOf(follower, 'air-aqi-realtime', device.id).length === 1, 'the alarm in the follower’s replica', 10_000);
    await waitFor(() => announced.some((change) => change.alarm.deviceId === device.id && change.kind === 'opened'), 'the alarm on MQTT', 10_000);
    const [alarm] = alarmsOf(follower, 'air-aqi-realtime', device.id);
    expect(alarmsOf(leader, 'air-aqi-realtime', device.id)).toEqual([alarm]);
    expect(alarm).toMatchObject({ state: 'open', value: expect.any(Number) });
    expect(await leader.metric('wanxiang_alarm_changes_total', { rule: 'air-aqi-realtime', kind: 'opened' })).toBe(1);
    expect(await follower.metric('wanxiang_alarm_changes_total')).toBe(0);

    // A second reading over the limit is the same alarm; the follower's API serves it too.
    await publish(follower, client, device, { pm25: 260 });
    await follower.platform.ingest.drain();
    const listed = (await (await fetch(`${follower.endpoints.httpUrl}/api/v1/alarms?state=open`)).json()) as { alarms: Alarm[] };
    expect(listed.alarms.filter((entry) => entry.deviceId === device.id && entry.ruleId === 'air-aqi-realtime').map((entry) => entry.id)).toEqual([alarm!.id]);
    expect(announced.filter((change) => change.alarm.id === alarm!.id && change.kind === 'opened')).toHaveLength(1);
  });

  it('hears a device connected to the follower: no silent alarm for it on the leader', async () => {
    const families = ['noise', 'parking'] as const;
    const [heard, unheard] = families.map((family) => follower.platform.registry.devices.find((d) => d.family === family && !d.disabled)!);
    const client = await follower.connect(heard!);
    cleanup.push(() => client.endAsync(true));
    const started = now();
    // Reports every 300 ms, well inside its interval, until the other device has been called silent.
    for (let n = 0; alarmsOf(leader, 'device-silent', unheard!.id).length === 0 || now() - started < 3.5 * reportIntervalMs; n += 1) {
      await publish(follower, client, heard!, generateReading(n, heard!, now()));
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (now() - started > 20_000) throw new Error('no silent alarm for the unheard device within 20 s');
    }
    // The engine may have called it silent before this test began (every device is, 3 intervals
    // after the engine starts, on a slow machine before this test runs): its first reading closes
    // that alarm, and none opens while it reports.
    const onLeader = alarmsOf(leader, 'device-silent', heard!.id);
    expect(onLeader.filter((alarm) => alarm.state !== 'closed')).toEqual([]);
    expect(onLeader.filter((alarm) => alarm.openedAtMs >= started + reportIntervalMs)).toEqual([]);
    expect(alarmsOf(follower, 'device-silent', unheard!.id).map((alarm) => alarm.state)).toEqual(['open']);
  });

  it('judges a stuck sensor on the follower by the run its node counted', async () => {
    const device = follower.platform.registry.devices.find((d) => d.family === 'water' && !d.disabled)!;
    const client = await follower.connect(device);
    cleanup.push(() => client.endAsync(true));
    const frozen = generateReading(7, device, now());
    for (let n = 0; n < follower.config.ingest.stuckAfter; n += 1) await publish(follower, client, device, frozen);
    await waitFor(() => alarmsOf(leader, 'sensor-stuck', device.id).length === 1, 'the stuck alarm on the leader', 10_000);
    expect(alarmsOf(leader, 'sensor-stuck', device.id)[0]).toMatchObject({ state: 'open', value: follower.config.ingest.stuckAfter });
  });

  it('acknowledges on the follower through the leader, with the leader’s errors', async () => {
    const [alarm] = alarmsOf(follower, 'air-aqi-realtime', follower.platform.registry.devices.find((d) => d.family === 'air' && !d.disabled)!.id);
    const ack = await api(follower, `/api/v1/alarms/${alarm!.id}/ack`, { note: '已通知' });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ id: alarm!.id, state: 'acknowledged', acknowledgedBy: 'operator' });
    expect(leader.platform.alarms.get(alarm!.id)?.state).toBe('acknowledged');
    expect(follower.platform.alarms.get(alarm!.id)?.state).toBe('acknowledged');
    const again = await api(follower, `/api/v1/alarms/${alarm!.id}/ack`, { note: 'twice' });
    expect(again).toMatchObject({ status: 409, json: { code: 'WX_ERR_ALARM_STATE' } });
    const unknown = await api(follower, '/api/v1/alarms/no-such-alarm/ack', { note: 'x' });
    expect(unknown).toMatchObject({ status: 404, json: { code: 'WX_ERR_ALARM_NOT_FOUND' } });
  });

  it('hands the engine, with the alarms it held, to the next leader', async () => {
    const device = follower.platform.registry.devices.find((d) => d.family === 'air' && !d.disabled)!;
    const [alarm] = alarmsOf(follower, 'air-aqi-realtime', device.id);
    await leader.close();
    delete nodes[leader === nodes.a ? 'a' : 'b'];
    await waitFor(() => follower.platform.cluster!.leaderServices.running().includes('alarms'), 'the follower running the alarm engine', 15_000);
    expect(follower.platform.alarms.get(alarm!.id)?.state).toBe('acknowledged');

    // Still over the limit: the new leader holds the same alarm, it opens no second one.
    const client = await follower.connect(device);
    cleanup.push(() => client.endAsync(true));
    await publish(follower, client, device, { pm25: 270 });
    await follower.platform.ingest.drain();
    expect(alarmsOf(follower, 'air-aqi-realtime', device.id).map((entry) => [entry.id, entry.state])).toEqual([[alarm!.id, 'acknowledged']]);
    const closed = await api(follower, `/api/v1/alarms/${alarm!.id}/close`, { note: '处置完毕' });
    expect(closed).toMatchObject({ status: 200, json: { state: 'closed' } });
  });
});

describe('the cluster feed and alarm commands, against Debian redis-server', () => {
  const log = pino({ level: 'silent' });
  let redis: TempRedis;
  const connections: Redis[] = [];
  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-cluster-relay-');
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await redis?.close();
  });

  it('answers an acknowledgement with WX_ERR_ALARM_LEADER_UNAVAILABLE when no leader listens, and skips junk on its channels and in its hash', async () => {
    const [commands, subscriber] = [new Redis(redis.url), new Redis(redis.url)];
    connections.push(commands, subscriber);
    const seal = createClusterSeal('cluster-test-fleet-key-0123456789');
    let unsealed = 0;
    const alarms = createClusterAlarms({
      redis: commands, subscriber, prefix: 'no-leader', nodeId: 'lonely', log, stuck: { stuckAfter: 5, repeats: () => 0 },
      seal, onUnsealed: () => void (unsealed += 1),
      createEngine: () => Promise.reject(new Error('never elected')),
    });
    // Junk in the cluster's hash is skipped when a node takes its replica from it.
    await commands.hset('no-leader:alarms:book', 'junk', '{not json', 'half', JSON.stringify({ id: 'half' }), 'null', 'null');
    await alarms.start();
    try {
      expect(alarms.list()).toEqual([]);
      await expect(Promise.resolve(alarms.acknowledge('air-aqi-realtime.x.1', 'operator', 'x'))).rejects.toMatchObject({ code: 'WX_ERR_ALARM_LEADER_UNAVAILABLE', status: 503 });
      // Junk on the cluster's channels is skipped: the node goes on, its replica untouched.
      for (const [channel, message] of [
        ['no-leader:alarms:changes', 'other-node\n{not json'], ['no-leader:alarms:changes', 'other-node\n{"kind":"opened","alarm":{"id":7}}'],
        ['no-leader:alarms:replies:lonely', '{"requestId":"nobody-asked","alarm":{}}'], ['no-leader:alarms:replies:lonely', 'null'], ['no-leader:alarms:changes', 'other-node\nnull'],
      ]) await commands.publish(channel!, seal.seal(channel!, message!));
      const good = { id: 'air-aqi-realtime.air-1.1', ruleId: 'air-aqi-realtime', family: 'air', deviceId: 'air-1', severity: 'warning', state: 'open', textZh: 'x', textEn: 'x', value: 180, limit: 150, openedAtMs: 1, updatedAtMs: 1, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [] };
      const change = `other-node\n${JSON.stringify({ kind: 'opened', alarm: good })}`;
      // Whoever writes to Redis without the installation's key is not a node (red team 9): a change
      // without the seal, or sealed with another key, is refused and counted.
      await commands.publish('no-leader:alarms:changes', change);
      await commands.publish('no-leader:alarms:changes', createClusterSeal('another-fleet-key-0123456789').seal('no-leader:alarms:changes', change));
      await commands.publish('no-leader:alarms:commands', JSON.stringify({ requestId: 'r', replyTo: 'lonely', verb: 'closeAlarm', id: good.id, by: 'admin', note: '' }));
      await waitFor(() => unsealed >= 2, 'the unsealed changes refused', 30_000);
      expect(alarms.list()).toEqual([]);
      await commands.publish('no-leader:alarms:changes', seal.seal('no-leader:alarms:changes', change));
      await waitFor(() => alarms.list().length > 0, 'the good change after the junk', 30_000);
      expect(alarms.list()).toEqual([good]);
    } finally {
      await alarms.close();
    }
  });

  it('skips relayed readings that are not readings, and keeps the good ones', () => {
    const good = ['air-1', 'air', 1_700_000_000_000, 1_700_000_000_100, { pm25: 30 }, 1];
    const hostile = [
      ['air-2', 'sewage', 1, 1, { pm25: 1 }, 0], // no such family
      ['air-3', 'air', '1', 1, { pm25: 1 }, 0], // a time as text
      ['air-4', 'air', 1, 1, { pm25: 'x' }, 0], // a value as text
      ['air-5', 'air', 1, 1, null, 0],
      ['air-6', 'air', 1, 1, [1, 2], 0], // values as a list
      'not a tuple',
      [],
    ];
    expect(decodeFeed(JSON.stringify({ node: 'b', readings: [good, ...hostile], online: ['air-1', 7, null] }))).toEqual({
      node: 'b',
      readings: [{ reading: { deviceId: 'air-1', family: 'air', timeMs: 1_700_000_000_000, receivedAtMs: 1_700_000_000_100, values: { pm25: 30 } }, repeats: 1 }],
      skipped: hostile.length,
      online: ['air-1'],
    });
    for (const junk of ['{not json', 'null', '[]', '{"an":"object"}', '{"node":7,"readings":[]}', '{"node":"b","readings":{}}']) expect(decodeFeed(junk)).toBeUndefined();
  });
});
