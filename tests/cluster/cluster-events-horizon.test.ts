import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictEvent, EventRecord } from '../../services/events/index.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { leaderAndFollower } from '../helpers/cluster-leader.ts';
import { startClusterNode } from '../helpers/cluster-node.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './servers.ts';

const day = 86_400_000;
const token = 'cluster-operator-zhang-wei-0123456789';

/**
 * A cluster's replicas and its Redis hash held every event for good, and each change sent the whole
 * event (its whole timeline) to every node: the single node's horizon (events.keepClosedDays) held
 * on no node of a cluster, and a follower answered figures past it. The replicas and the hash
 * forget what the leader's engine forgets now, followers refuse those figures, and a change sends
 * what changed (services/cluster/event-patch.ts), the replicas staying the leader's events exactly.
 */
describe('a cluster’s events past the closed horizon, and the changes it sends', () => {
  let redis: TempRedis;
  let commands: Redis;
  let listener: Redis;
  const database = `clusterhorizon_${randomBytes(4).toString('hex')}`;
  const prefix = `wx-${database}`;
  const bookKey = `${prefix}:events:book`;
  const nodes: TestPlatform[] = [];
  let leader: TestPlatform;
  let follower: TestPlatform;
  let offsetMs = 0;
  const sent: string[] = [];
  let id = '';

  async function startNode(name: string): Promise<TestPlatform> {
    const node = await startClusterNode(redis, name, {
      database,
      redisPrefix: prefix,
      overrides: { http: { tokens: [{ role: 'operator', name: 'zhang.wei', token }] }, events: { keepClosedDays: 28, sweepIntervalMs: 200 } },
      now: () => Date.now() + offsetMs,
    });
    nodes.push(node);
    return node;
  }
  const call = (node: TestPlatform, path: string, body?: unknown) => apiCaller(() => node.endpoints.httpUrl)(path, token, body);
  const nextOnLeader = (kind: EventRecord['kind']) => new Promise<DistrictEvent>((resolve) => {
    const stop = leader.platform.events!.onChange((event, record) => {
      if (record.kind === kind) {
        stop();
        resolve(event);
      }
    });
  });

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-cluster-horizon-');
    commands = new Redis(redis.url);
    // What a leader kept before the hash was trimmed: an event closed 60 days ago, in the hash when the nodes start.
    const closedAtMs = Date.now() - 60 * day;
    const alarm = { id: 'al-stale', ruleId: 'air-pm25', deviceId: 'air-guiyuan', severity: 'warning', textZh: '旧', textEn: 'old', openedAtMs: closedAtMs - day, closedAtMs };
    await commands.hset(bookKey, 'ev-air-stale', JSON.stringify({
      id: 'ev-air-stale', family: 'air', street: 'guiyuan', severity: 'warning', state: 'closed', titleZh: '旧', titleEn: 'old', alarms: [alarm], department: null,
      openedAtMs: closedAtMs - day, updatedAtMs: closedAtMs, lastAlarmAtMs: closedAtMs - day, dispatchedAtMs: null, acknowledgedAtMs: null, resolvedAtMs: null, closedAtMs,
      ackDueAtMs: null, resolveDueAtMs: null, clearSinceMs: closedAtMs, escalations: [], reopened: 0, changes: 3,
      timeline: [{ kind: 'opened', atMs: closedAtMs - day, by: 'system', family: 'air', street: 'guiyuan', alarm: { ...alarm, closedAtMs: null } }, { kind: 'alarm-closed', atMs: closedAtMs, by: 'system', alarmId: 'al-stale' }, { kind: 'closed', atMs: closedAtMs, by: 'zhang.wei', note: '' }],
    }));
    listener = new Redis(redis.url);
    listener.on('message', (_channel: string, message: string) => sent.push(message));
    await listener.subscribe(`${prefix}:events:changes`);
    [leader, follower] = await leaderAndFollower(await startNode('a'), await startNode('b'), 'events');
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    listener?.disconnect();
    commands?.disconnect();
    await redis?.close();
  });

  it('drops from the hash, at start, a closed event past the horizon, and no node holds it', async () => {
    await waitFor(async () => (await commands.hexists(bookKey, 'ev-air-stale')) === 0, 'the stale event gone from the hash', 10_000);
    for (const node of [leader, follower]) expect((await call(node, '/api/v1/events/ev-air-stale')).status).toBe(404);
  });

  it('sends a change as what changed, and the follower holds the leader’s event exactly', async () => {
    const client = await follower.connect(follower.device('air-guiyuan'));
    const dispatched = nextOnLeader('dispatched');
    await client.publishAsync(follower.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    id = (await dispatched).id;
    for (let n = 0; n < 20; n += 1) expect((await call(follower, `/api/v1/events/${id}/comment`, { note: `${n} 现场巡查`.padEnd(2_000, '查') })).status).toBe(200);
    const whole = JSON.stringify(leader.platform.events!.get(id));
    sent.length = 0;
    expect((await call(follower, `/api/v1/events/${id}/start`, { note: '已派员' })).status).toBe(200);
    await waitFor(() => sent.length > 0, 'the start on the channel', 5_000);
    // mac, sender, change: the change is the new entry and the event's fields, not its 20 comments again.
    const change = JSON.parse(sent[0]!.split('\n').slice(2).join('\n')) as { patch?: { timeline: { changed: unknown[] } } };
    expect(change.patch?.timeline.changed).toHaveLength(1);
    expect(Buffer.byteLength(sent[0]!)).toBeLessThan(3_000);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(100_000);
    for (const action of ['resolve', 'close'] as const) expect((await call(follower, `/api/v1/events/${id}/${action}`, { note: '工地已洒水降尘', ...(action === 'resolve' ? { cause: 'real-exceedance' } : {}) })).status).toBe(200);
    const held = leader.platform.events!.get(id)!;
    await waitFor(() => follower.platform.events!.get(id)?.changes === held.changes, 'the follower at the leader’s version', 5_000);
    expect(follower.platform.events!.get(id)).toEqual(held);
    expect(JSON.parse((await commands.hget(bookKey, id))!)).toEqual(JSON.parse(JSON.stringify(held)));
  }, 60_000);

  it('refuses on the follower, as on the leader, figures reaching past the horizon', async () => {
    for (const node of [leader, follower]) {
      expect((await call(node, '/api/v1/events/figures?weeks=4')).status).toBe(200);
      expect((await call(node, '/api/v1/events/figures?weeks=5')).body).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT', message: expect.stringContaining('events.keepClosedDays') });
    }
  });

  it('forgets the closed event once past the horizon: on the follower, on the leader and in the hash', async () => {
    expect((await call(follower, `/api/v1/events/${id}`)).status).toBe(200);
    offsetMs = 29 * day;
    await waitFor(() => follower.platform.events!.get(id) === undefined && leader.platform.events!.get(id) === undefined, 'both replicas past the horizon', 5_000);
    for (const node of [leader, follower]) expect((await call(node, `/api/v1/events/${id}`)).status).toBe(404);
    await waitFor(async () => (await commands.hexists(bookKey, id)) === 0, 'the event gone from the hash', 5_000);
  });
});
