import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { Aedes } from 'aedes';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterSeal } from '../../services/cluster/cluster-seal.ts';
import { createRedisBrokerBackend } from '../../services/cluster/redis-broker-backend.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { listenAedes } from '../helpers/aedes-listener.ts';
import { startClusterNode } from '../helpers/cluster-node.ts';
import { recordingClient } from '../helpers/recording-client.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './servers.ts';

// What mqemitter-redis PUBLISHes on a packet's topic (mqemitter-redis.js, emit): msgpack of
// `{ id, msg }`, the packet as aedes routes it. What someone who can PUBLISH to Redis sends.
const msgpack = createRequire(import.meta.url)('msgpack-lite') as { encode(value: unknown): Buffer };
const forged = (brokerId: string, packet: { topic: string; payload: string; qos?: number; retain?: boolean; clientId?: string }) => msgpack.encode({
  id: `forged-${randomBytes(6).toString('hex')}`,
  msg: { cmd: 'publish', brokerId, brokerCounter: 1_000_000_000, qos: 0, retain: false, dup: false, ...packet, payload: Buffer.from(packet.payload) },
});

/**
 * mqemitter-redis carried every publish between the nodes unsealed: whoever could PUBLISH to
 * Redis delivered a packet to every node's subscribers, closed a device's session on every node
 * (a fake `$SYS/<node>/new/clients`), and stopped every node with bytes that are no msgpack.
 */
describe('two platform nodes route only what a node of this installation sealed', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let redis: TempRedis;
  let raw: Redis;
  const nodes: Record<string, TestPlatform> = {};

  async function startNode(name: string): Promise<TestPlatform> {
    return (nodes[name] = await startClusterNode(redis, name, { redisPrefix: `wx-${randomBytes(4).toString('hex')}` }));
  }
  async function observe(node: TestPlatform, filter: string): Promise<Array<[string, string]>> {
    const client = await mqtt.connectAsync(node.endpoints.mqttUrl, { clientId: `observer-${randomBytes(3).toString('hex')}`, username: 'observer', password: simulatedDeviceSecret(node.config.fleetKey, 'observer'), reconnectPeriod: 0 });
    cleanup.push(() => client.endAsync(true));
    const messages: Array<[string, string]> = [];
    client.on('message', (topic, payload) => messages.push([topic, payload.toString()]));
    await client.subscribeAsync(filter, { qos: 1 });
    return messages;
  }
  const refusals = (node: TestPlatform) => node.metric('wanxiang_cluster_unsealed_total', { kind: 'routing' });
  async function publishReading(node: TestPlatform, client: MqttClient, id: string, seq: number): Promise<void> {
    const device = node.device(id);
    const ts = Date.now() - 2_000;
    await client.publishAsync(node.topics.build(device.family, device.id, 'telemetry'), JSON.stringify({ ts, ...generateReading(seq, device, ts) }), { qos: 1 });
  }

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-sealed-routing-');
    raw = new Redis(redis.url);
    await startNode('a');
    await startNode('b');
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    for (const node of Object.values(nodes)) await node.close().catch(() => undefined);
    raw?.disconnect();
    await redis?.close();
  });

  it('gives an observer on node B a device\'s reading from node A, and no packet forged in Redis, nor one replayed', async () => {
    const device = nodes.a!.device('air-guiyuan');
    const telemetry = nodes.a!.topics.build(device.family, device.id, 'telemetry');
    const messages = await observe(nodes.b!, nodes.b!.topics.build(device.family, '+', 'telemetry'));
    const forgedReading = JSON.stringify({ ts: Date.now() - 1_000, ...generateReading(9, device, Date.now()) });
    // A listener on the routing as an attacker would be: it keeps the real message to send again.
    const listener = new Redis(redis.url);
    cleanup.push(async () => listener.disconnect());
    const captured: Buffer[] = [];
    listener.on('messageBuffer', (_channel: Buffer, message: Buffer) => captured.push(message));
    await listener.subscribe(telemetry);

    await publishReading(nodes.a!, await nodes.a!.connect(device), device.id, 1);
    await waitFor(() => messages.length > 0 && captured.length > 0, 'the reading at the observer on node B', 10_000);
    await raw.publish(telemetry, captured[0]!);
    await raw.publish(telemetry, forged('a', { topic: telemetry, payload: forgedReading, qos: 1, clientId: device.id }));
    await waitFor(async () => (await refusals(nodes.b!)) >= 2, 'node B to refuse the forged and the replayed message', 10_000);
    await delay(300);
    expect(messages).toHaveLength(1);
    expect(messages[0]![1]).not.toBe(forgedReading);
    expect(await refusals(nodes.b!)).toBe(2);
  });

  it('keeps a device\'s session on node B when Redis says it connected to node A, and its cmd topic gets nothing forged', async () => {
    const device = nodes.b!.device('air-dongmen');
    const cmd = nodes.b!.topics.build(device.family, device.id, 'cmd');
    const client = await nodes.b!.connect(device);
    const got: string[] = [];
    client.on('message', (_topic, payload) => got.push(payload.toString()));
    await client.subscribeAsync(cmd, { qos: 1 });
    let closed = false;
    client.on('close', () => void (closed = true));
    const before = await refusals(nodes.b!);
    // aedes closes a client of its own that connected to another node since ($SYS/+/new/clients).
    await raw.publish('$SYS/a/new/clients', forged('a', { topic: '$SYS/a/new/clients', payload: device.id }));
    await raw.publish(cmd, forged('a', { topic: cmd, payload: '{"action":"reboot"}', qos: 1 }));
    await waitFor(async () => (await refusals(nodes.b!)) >= before + 2, 'node B to refuse both', 10_000);
    await delay(300);
    expect(closed).toBe(false);
    expect(got).toEqual([]);
  });

  it('outlives bytes in Redis that are no msgpack on a channel every node listens to, and routes on', async () => {
    const device = nodes.a!.device('air-guiyuan');
    const messages = await observe(nodes.b!, nodes.b!.topics.build(device.family, device.id, 'telemetry'));
    const [beforeA, beforeB] = [await refusals(nodes.a!), await refusals(nodes.b!)];
    // 0xc1 is "never used" in msgpack: decoding it throws.
    await raw.publish('$SYS/ghost/heartbeat', Buffer.from([0xc1]));
    await waitFor(async () => (await refusals(nodes.a!)) > beforeA && (await refusals(nodes.b!)) > beforeB, 'both nodes to refuse it', 10_000);
    await publishReading(nodes.a!, await nodes.a!.connect(device), device.id, 2);
    await waitFor(() => messages.length === 1, 'a reading routed after it', 10_000);
  });
});

/** Bare aedes nodes on the backend the platform uses (its heartbeat and clock chosen by the test). */
describe('aedes nodes on the sealed routing: heartbeats and clocks', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let redis: TempRedis;
  let raw: Redis;
  const seal = createClusterSeal('fleet-key-of-this-installation-0123456789');
  const refused: Array<[string, string]> = [];

  async function startNode(id: string, heartbeatInterval: number, now?: () => number): Promise<string> {
    const backend = createRedisBrokerBackend({ redisUrl: redis.url, nodeId: id, seal, now, refusedStored: () => undefined, refusedRouted: (reason, topic) => refused.push([reason, topic]) });
    const node = await listenAedes(new Aedes({ ...backend.aedesOptions, heartbeatInterval } as ConstructorParameters<typeof Aedes>[0]));
    cleanup.push(async () => {
      await node.close();
      await backend.close();
    });
    return node.url;
  }
  async function client(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient & { got: Array<[string, string]> }> {
    const connected = await recordingClient(url, options);
    cleanup.push(() => connected.endAsync(true));
    return connected;
  }

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-sealed-routing-aedes-');
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    raw?.disconnect();
    await redis?.close();
  });

  it('publishes a silent node\'s wills although Redis carries heartbeats in its name', async () => {
    // Node A beats once a minute: to node B (every 100 ms, wills every 400 ms) it is dead at once.
    const nodeA = await startNode('node-a', 60_000);
    const nodeB = await startNode('node-b', 100);
    const watcher = await client(nodeB);
    await watcher.subscribeAsync('devices/+/status', { qos: 1 });
    await client(nodeA, { clientId: 'd1', will: { topic: 'devices/d1/status', payload: Buffer.from('offline'), qos: 1, retain: false } });
    const heartbeat = '$SYS/node-a/heartbeat';
    const faking = setInterval(() => void raw.publish(heartbeat, forged('node-a', { topic: heartbeat, payload: 'node-a' })), 50);
    try {
      await waitFor(() => watcher.got.length > 0, 'node B to publish node A\'s will', 10_000);
    } finally {
      clearInterval(faking);
    }
    expect(watcher.got).toEqual([['devices/d1/status', 'offline']]);
    expect(refused).toContainEqual(['unsealed', heartbeat]);
  });

  it('refuses what a node whose clock is more than a minute behind publishes, and routes its own to itself', async () => {
    const slow = await startNode('node-slow', 60_000, () => Date.now() - 61_000);
    const fine = await startNode('node-fine', 60_000);
    const onFine = await client(fine);
    await onFine.subscribeAsync('devices/d5/status', { qos: 1 });
    const onSlow = await client(slow);
    await onSlow.subscribeAsync('devices/d5/status', { qos: 1 });
    await (await client(slow)).publishAsync('devices/d5/status', 'online', { qos: 1 });
    await waitFor(() => onSlow.got.length > 0, 'the slow node\'s own subscriber', 10_000);
    await waitFor(() => refused.some(([reason, topic]) => reason === 'stale' && topic === 'devices/d5/status'), 'the other node to refuse it', 10_000);
    expect(onFine.got).toEqual([]);
  });
});
