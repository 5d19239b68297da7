import { randomBytes } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../services/config.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import { waitFor } from './servers.ts';

const adminToken = 'cluster-admin-token-0123456789';

describe('two platform nodes sharing Debian redis-server', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let redis: TempRedis;
  const database = `cluster_${randomBytes(4).toString('hex')}`;
  const nodes: Record<string, TestPlatform> = {};

  async function startNode(name: string): Promise<TestPlatform> {
    const registryFile = join(redis.dir, `${name}-devices.json`);
    await copyFile('seeds/devices.json', registryFile).catch(() => undefined);
    const overrides: ConfigInput = {
      registryFile,
      influx: { database },
      http: { tokens: [{ role: 'admin', token: adminToken }] },
      rollups: { intervalMs: 200 },
      // The default lease: a short one lapses when a loaded machine stalls the event loop, and the
      // leader changes under the test. Hand-overs here are graceful (a closing leader releases it).
      cluster: { redisUrl: redis.url, nodeId: name, leaderLeaseMs: 10_000, redisPrefix: `wx-${database}` },
    };
    return (nodes[name] = await startTestPlatform(overrides));
  }

  async function observe(node: TestPlatform, filter: string): Promise<{ client: MqttClient; messages: Array<[string, string, boolean]> }> {
    const client = await mqtt.connectAsync(node.endpoints.mqttUrl, { clientId: `observer-${randomBytes(3).toString('hex')}`, username: 'observer', password: simulatedDeviceSecret(node.config.fleetKey, 'observer'), reconnectPeriod: 0 });
    cleanup.push(() => client.endAsync(true));
    const messages: Array<[string, string, boolean]> = [];
    client.on('message', (topic, payload, packet) => messages.push([topic, payload.toString(), packet.retain]));
    await client.subscribeAsync(filter, { qos: 1 });
    return { client, messages };
  }

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-cluster-');
    await startNode('a');
    await startNode('b');
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    for (const node of Object.values(nodes)) await node.close().catch(() => undefined);
    await redis?.close();
  });

  it('routes a device on node A to an observer on node B, and ingests it once', async () => {
    const device = nodes.a!.device('air-guiyuan');
    const { messages } = await observe(nodes.b!, nodes.b!.topics.build(device.family, device.id, 'telemetry'));
    const client = await nodes.a!.connect(device);
    const ts = Date.now() - 5_000;
    await client.publishAsync(nodes.a!.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts, ...generateReading(1, device, ts) }), { qos: 1 });
    await waitFor(() => messages.length === 1, 'the reading at the observer on node B', 10_000);
    await nodes.a!.platform.ingest.drain();
    expect(await nodes.a!.countPoints('air_quality', `"device" = '${device.id}'`)).toBe(1);
    // Ingested where the device is connected, not where the message was routed.
    expect(await nodes.b!.metric('wanxiang_readings_received_total')).toBe(0);
  });

  it('shows a device connected to node A on node B’s screen: its reading, and online until it leaves', async () => {
    const device = nodes.a!.platform.registry.devices.find((d) => d.family === 'parking' && !d.disabled)!;
    const onB = async () => {
      const live = (await (await fetch(`${nodes.b!.endpoints.httpUrl}/api/v1/live?family=parking`)).json()) as { families: Array<{ devices: Array<{ id: string; online: boolean; values: Record<string, number> }> }> };
      return live.families[0]!.devices.find((entry) => entry.id === device.id)!;
    };
    const client = await nodes.a!.connect(device);
    const ts = Date.now() - 1_000;
    const values = generateReading(4, device, ts);
    await client.publishAsync(nodes.a!.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts, ...values }), { qos: 1 });
    await waitFor(async () => (await onB()).online && (await onB()).values.occupiedSpaces === values.occupiedSpaces, 'the reading and the online state on node B', 10_000);
    const listed = (await (await fetch(`${nodes.b!.endpoints.httpUrl}/api/v1/devices?family=parking`)).json()) as { devices: Array<{ id: string; online: boolean }> };
    expect(listed.devices.find((entry) => entry.id === device.id)?.online).toBe(true);
    await client.endAsync();
    await waitFor(async () => !(await onB()).online, 'the device offline on node B once it left node A', 10_000);
  });

  it('keeps a retained status across a node restart', async () => {
    const device = nodes.b!.platform.registry.devices.find((d) => d.family === 'water')!;
    await nodes.b!.connect(device); // announces itself online, retained
    const status = nodes.b!.topics.build(device.family, device.id, 'status');
    await nodes.a!.close();
    await startNode('a');
    const { messages } = await observe(nodes.a!, status);
    await waitFor(() => messages.length > 0, 'the retained status on the restarted node A', 10_000);
    expect(messages[0]).toEqual([status, 'online', true]);
  });

  it('runs rollups on exactly one node, and moves them when it dies', async () => {
    await waitFor(() => [nodes.a!, nodes.b!].some((node) => node.platform.cluster!.election.isLeader), 'a leader', 10_000);
    const [leader, follower] = nodes.a!.platform.cluster!.election.isLeader ? [nodes.a!, nodes.b!] : [nodes.b!, nodes.a!];
    expect(follower.platform.cluster!.election.isLeader).toBe(false);
    await leader.platform.cluster!.leaderServices.settled();
    expect(leader.platform.cluster!.leaderServices.running()).toEqual(['alarms', 'events', 'rollups']);
    expect(follower.platform.cluster!.leaderServices.running()).toEqual([]);

    // A reading ingested on the follower is rolled up by the leader.
    const device = follower.platform.registry.devices.find((d) => d.family === 'noise')!;
    const client = await follower.connect(device);
    const ts = Date.now() - 3_000;
    await client.publishAsync(follower.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts, ...generateReading(2, device, ts) }), { qos: 1 });
    await waitFor(async () => (await leader.metric('wanxiang_rollup_windows_total', { family: 'noise' })) > 0, 'the leader rolling up the follower’s reading', 15_000);
    expect(await follower.metric('wanxiang_rollup_windows_total')).toBe(0);
    const leaderToken = leader.platform.cluster!.election.token;

    // The leader goes; the follower takes over and rolls up what comes next.
    await leader.close();
    delete nodes[leader === nodes.a ? 'a' : 'b'];
    await waitFor(() => follower.platform.cluster!.election.isLeader, 'the follower elected', 10_000);
    expect(follower.platform.cluster!.election.token).toBeGreaterThan(leaderToken);
    const ts2 = Date.now() - 1_000;
    await client.publishAsync(follower.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts: ts2, ...generateReading(3, device, ts2) }), { qos: 1 });
    await waitFor(async () => (await follower.metric('wanxiang_rollup_windows_total', { family: 'noise' })) > 0, 'the new leader rolling up', 15_000);
  });

  it('takes a registry change made on one node on every node', async () => {
    const [first, second] = Object.values(nodes).length === 2 ? [nodes.a!, nodes.b!] : [Object.values(nodes)[0]!, await startNode('c')];
    const id = first.platform.registry.devices.find((d) => d.family === 'parking')!.id;
    const answer = await fetch(`${first.endpoints.httpUrl}/api/v1/devices/${id}/disable`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(answer.status).toBe(200);
    await waitFor(() => second.platform.registry.device(id)?.disabled === true, 'the change on the other node', 10_000);
  });

  it('refuses a registry written into Redis by someone who is not a node: no device re-keyed, counted (red team 9)', async () => {
    const node = Object.values(nodes)[0]!;
    const key = `wx-${database}:registry`;
    const victim = node.platform.registry.devices.find((d) => d.family === 'air' && !d.disabled)!;
    const forged = { ...node.platform.registry.file, devices: node.platform.registry.file.devices.map((d) => (d.id === victim.id ? { ...d, secretHash: node.platform.registry.devices.find((other) => other.id !== victim.id)!.secretHash } : d)) };
    const writer = new Redis(redis.url);
    cleanup.push(async () => writer.disconnect());
    const text = JSON.stringify(forged);
    await writer.set(key, text);
    await writer.publish(key, `intruder\n${text}`);
    const refused = async () => /wanxiang_cluster_unsealed_total\{kind="registry"\} (\d+)/.exec(await (await fetch(`${node.endpoints.httpUrl}/metrics`)).text())?.[1];
    await waitFor(async () => Number(await refused()) >= 1, 'the forged registry refused and counted', 10_000);
    expect(node.platform.registry.device(victim.id)!.secretHash).toBe(victim.secretHash);
    // The device still logs in with its own secret.
    const own = await mqtt.connectAsync(node.endpoints.mqttUrl, { clientId: victim.id, username: victim.id, password: simulatedDeviceSecret(node.config.fleetKey, victim.id), reconnectPeriod: 0 });
    await own.endAsync(true);
  });
});
