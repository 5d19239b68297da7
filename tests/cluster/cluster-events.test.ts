import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderAndFollower } from '../helpers/cluster-leader.ts';
import { startClusterNode } from '../helpers/cluster-node.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './servers.ts';

const token = 'cluster-operator-zhang-wei-0123456789';

/**
 * Events once per cluster (issue 23, item 7): the leader owns the lifecycle, fed by its own alarm
 * engine; every node's API answers from its replica; an action on a follower is applied by the
 * leader; the next leader rebuilds the events from InfluxDB and goes on.
 */
describe('events once per cluster: two platform nodes sharing Debian redis-server', () => {
  let redis: TempRedis;
  const database = `clusterevents_${randomBytes(4).toString('hex')}`;
  const nodes: TestPlatform[] = [];
  let leader: TestPlatform;
  let follower: TestPlatform;

  async function startNode(name: string): Promise<TestPlatform> {
    const node = await startClusterNode(redis, name, { database, overrides: { http: { tokens: [{ role: 'operator', name: 'zhang.wei', token }] } } });
    nodes.push(node);
    return node;
  }
  async function act(node: TestPlatform, path: string, body: unknown) {
    const response = await fetch(`${node.endpoints.httpUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-cluster-events-');
    [leader, follower] = await leaderAndFollower(await startNode('a'), await startNode('b'), 'events');
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await redis?.close();
  });

  it('opens one event for a reading on the follower, on the leader only, seen on both nodes', async () => {
    expect(leader.platform.cluster!.leaderServices.running()).toEqual(expect.arrayContaining(['alarms', 'events']));
    expect(follower.platform.cluster!.leaderServices.running()).toEqual([]);
    const client = await follower.connect(follower.device('air-guiyuan'));
    await client.publishAsync(follower.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    await waitFor(() => follower.platform.events!.list().some((event) => event.state === 'dispatched'), 'the dispatched event in the follower’s replica', 15_000);
    const [event] = follower.platform.events!.list();
    expect(event).toMatchObject({ family: 'air', department: 'eco-env', alarms: [{ deviceId: 'air-guiyuan' }] });
    expect(leader.platform.events!.get(event!.id)?.timeline.length).toBe(event!.timeline.length);
    expect(await leader.metric('wanxiang_event_changes_total', { kind: 'opened' })).toBe(1);
    expect(await follower.metric('wanxiang_event_changes_total', { kind: 'opened' })).toBe(0);
  });

  it('applies an action on the follower through the leader, with the name and the leader’s errors', async () => {
    const [event] = follower.platform.events!.list();
    const started = await act(follower, `/api/v1/events/${event!.id}/start`, { note: '已派员' });
    expect(started).toMatchObject({ status: 200, json: { state: 'in_progress' } });
    expect((started.json.timeline as Array<{ by: string }>).at(-1)).toMatchObject({ kind: 'started', by: 'zhang.wei' });
    expect(leader.platform.events!.get(event!.id)?.state).toBe('in_progress');
    expect(await act(follower, `/api/v1/events/${event!.id}/start`, { note: 'twice' })).toMatchObject({ status: 409, json: { code: 'WX_ERR_EVENT_STATE' } });
  });

  it('hands the events to the next leader, rebuilt from InfluxDB, and goes on', async () => {
    const [event] = follower.platform.events!.list();
    await leader.close();
    nodes.splice(nodes.indexOf(leader), 1);
    await waitFor(() => follower.platform.cluster!.leaderServices.running().includes('events'), 'the follower running the events', 20_000);
    expect(follower.platform.events!.get(event!.id)).toMatchObject({ state: 'in_progress' });
    const resolved = await act(follower, `/api/v1/events/${event!.id}/resolve`, { note: '工地已洒水降尘', cause: 'real-exceedance' });
    expect(resolved).toMatchObject({ status: 200, json: { state: 'resolved' } });
    expect((resolved.json.timeline as Array<{ kind: string }>).map((record) => record.kind)).toEqual(['opened', 'dispatched', 'started', 'resolved']);
  }, 60_000);
});
