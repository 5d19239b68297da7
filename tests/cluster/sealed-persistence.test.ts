import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { Aedes } from 'aedes';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterSeal } from '../../services/cluster/cluster-seal.ts';
import { sealPersistence } from '../../services/cluster/sealed-persistence.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { listenAedes } from '../helpers/aedes-listener.ts';
import { recordingClient } from '../helpers/recording-client.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './servers.ts';

// What aedes-persistence-redis stores a packet as: what someone who can write to Redis plants.
const msgpack = createRequire(import.meta.url)('msgpack-lite') as { encode(value: unknown): Buffer };
const planted = (packet: Record<string, unknown>) => msgpack.encode({ cmd: 'publish', qos: 1, retain: false, ...packet, payload: Buffer.from(packet.payload as string) });

/**
 * aedes-persistence-redis kept retained messages, wills and offline queues in Redis unsealed:
 * whoever could write there planted a will a live node published as the client it names, a
 * retained message every later subscriber got, or a message queued for a persistent session.
 */
describe('the broker\'s persistence in Redis refuses what this installation did not seal', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let redis: TempRedis;
  let raw: Redis;
  const seal = createClusterSeal('fleet-key-of-this-installation-0123456789');
  const refused: string[] = [];

  /** A real aedes on port 0 with the Redis persistence, sealed, as one node of a cluster. */
  async function startNode(id: string, heartbeatInterval: number): Promise<string> {
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const persistence = sealPersistence(aedesPersistenceRedis({ conn }), seal, (packet) => refused.push(packet.topic ?? ''));
    const node = await listenAedes(new Aedes({ id, persistence, heartbeatInterval }));
    cleanup.push(async () => {
      await node.close();
      await delay(100);
      await conn.quit();
    });
    return node.url;
  }
  async function client(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient & { got: Array<[string, string]> }> {
    const connected = await recordingClient(url, options);
    cleanup.push(() => connected.endAsync(true));
    return connected;
  }

  let nodeA: string;
  let nodeB: string;
  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-sealed-persistence-');
    raw = new Redis(redis.url);
    // Node A beats once a minute; node B, with its own routing, never hears it and takes A for
    // dead: it publishes A's clients' wills on its next round (every 4 heartbeats: 400 ms).
    nodeA = await startNode('node-a', 60_000);
    nodeB = await startNode('node-b', 100);
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    raw?.disconnect();
    await redis?.close();
  });

  it('publishes a dead node\'s own wills, and never one planted in Redis', async () => {
    const watcher = await client(nodeB);
    await watcher.subscribeAsync('devices/+/status', { qos: 1 });
    await client(nodeA, { clientId: 'd1', will: { topic: 'devices/d1/status', payload: Buffer.from('offline'), qos: 1, retain: false } });
    await raw.rpush('will', 'will:ghost:d2');
    await raw.set('will:ghost:d2', planted({ topic: 'devices/d2/status', payload: 'online', clientId: 'd2', brokerId: 'ghost' }));
    await waitFor(() => watcher.got.some(([topic]) => topic === 'devices/d1/status'), 'node B to publish node A\'s will', 10_000);
    // Both wills are of node A's or a ghost's, dead to node B: taken in the same round, and another round passes.
    await delay(500);
    expect(watcher.got).toEqual([['devices/d1/status', 'offline']]);
    expect(refused).toContain('devices/d2/status');
  });

  it('gives a subscriber the retained messages clients left, and none planted in Redis', async () => {
    const publisher = await client(nodeB);
    await publisher.publishAsync('devices/d3/cmd', 'kept', { qos: 1, retain: true });
    await raw.hset('retained', 'devices/d4/cmd', planted({ topic: 'devices/d4/cmd', payload: 'planted', retain: true }));
    const exact = await client(nodeA);
    await exact.subscribeAsync('devices/d4/cmd', { qos: 1 });
    const wildcard = await client(nodeA);
    await wildcard.subscribeAsync('devices/+/cmd', { qos: 1 });
    await waitFor(() => wildcard.got.length > 0, 'the retained message', 10_000);
    await delay(200);
    expect(wildcard.got).toEqual([['devices/d3/cmd', 'kept']]);
    expect(exact.got).toEqual([]);
    expect(refused.filter((topic) => topic === 'devices/d4/cmd')).toHaveLength(2);
  });

  it('gives a persistent session back what was queued for it, and nothing planted in its queue', async () => {
    const session = await client(nodeB, { clientId: 'p1', clean: false });
    await session.subscribeAsync('devices/p1/cmd', { qos: 1 });
    await session.endAsync();
    const publisher = await client(nodeB);
    await publisher.publishAsync('devices/p1/cmd', 'queued', { qos: 1 });
    await raw.set('packet:ghost:1', planted({ topic: 'devices/p1/cmd', payload: 'planted', brokerId: 'ghost', brokerCounter: 1 }));
    await raw.set('packet:ghost:1:offlineCount', 1);
    await raw.rpush('outgoing:p1', 'packet:ghost:1');
    const back = await client(nodeB, { clientId: 'p1', clean: false });
    await waitFor(() => back.got.length > 0, 'the queued message', 10_000);
    await delay(200);
    expect(back.got).toEqual([['devices/p1/cmd', 'queued']]);
    expect(refused).toContain('devices/p1/cmd');
  });
});

describe('a platform node in a cluster refuses a retained message planted in Redis, and counts it', () => {
  let redis: TempRedis;
  let test: TestPlatform;

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-sealed-node-');
    test = await startTestPlatform({ cluster: { redisUrl: redis.url, nodeId: 'a', redisPrefix: `wx-${randomBytes(4).toString('hex')}` } });
  });
  afterAll(async () => {
    await test?.close();
    await redis?.close();
  });

  it('gives an observer the status a device retained, not one planted in Redis', async () => {
    const device = test.device('air-guiyuan');
    const other = test.device('air-dongmen');
    const ownStatus = test.topics.build(device.family, device.id, 'status');
    const plantedStatus = test.topics.build(other.family, other.id, 'status');
    await test.connect(device); // publishes its retained `online`
    const raw = new Redis(redis.url);
    await raw.hset('retained', plantedStatus, planted({ topic: plantedStatus, payload: 'online', retain: true }));
    raw.disconnect();
    const observer = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer-sealed', username: 'observer', password: simulatedDeviceSecret(test.config.fleetKey, 'observer'), reconnectPeriod: 0 });
    const got: Array<[string, string]> = [];
    observer.on('message', (topic, payload) => got.push([topic, payload.toString()]));
    await observer.subscribeAsync(test.topics.build(device.family, '+', 'status'), { qos: 1 });
    await waitFor(() => got.length > 0, 'the device\'s retained status', 10_000);
    await delay(200);
    await observer.endAsync(true);
    expect(got).toEqual([[ownStatus, 'online']]);
    expect(await test.metric('wanxiang_cluster_unsealed_total', { kind: 'broker' })).toBe(1);
  });
});
