import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictEvent, EventRecord } from '../../services/events/index.ts';
import { leaderAndFollower } from '../helpers/cluster-leader.ts';
import { startClusterNode } from '../helpers/cluster-node.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import type { TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './servers.ts';

/**
 * A flapping device's joins fold into one timeline entry (services/events/rejoin-runs.ts), so a
 * later version of an event may have a shorter timeline than the one before. A replica took "more
 * timeline" for "later": it refused the folded versions and kept showing the device's first flap.
 * It takes the version with more changes now, and shows what the leader holds.
 */
describe('a flapping device’s event in a cluster’s replicas', () => {
  let redis: TempRedis;
  const database = `clusterruns_${randomBytes(4).toString('hex')}`;
  const nodes: TestPlatform[] = [];
  let leader: TestPlatform;
  let follower: TestPlatform;
  const deviceId = 'waterlogging-wenjin-school';

  async function startNode(name: string): Promise<TestPlatform> {
    const node = await startClusterNode(redis, name, { database, overrides: { alarms: { rulesFile: join(redis.dir, 'rules.json') } } });
    nodes.push(node);
    return node;
  }

  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-cluster-runs-');
    // The caution depth alone, opened by one reading and closed by one clear reading.
    await writeFile(join(redis.dir, 'rules.json'), JSON.stringify({
      version: 1,
      rules: [{
        id: 'waterlogging-caution', family: 'waterlogging', severity: 'warning', textZh: '{site}积水{value}厘米', textEn: '{site}: water {value} cm deep',
        condition: { kind: 'field-above', field: 'depth', atLeastAttribute: 'cautionCm', atLeast: 15 }, debounce: 1, holdMs: 0,
      }],
    }));
    [leader, follower] = await leaderAndFollower(await startNode('a'), await startNode('b'), 'events');
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await redis?.close();
  });

  const nextOnLeader = (kind: EventRecord['kind']) => new Promise<DistrictEvent>((resolve) => {
    const stop = leader.platform.events!.onChange((event, record) => {
      if (record.kind === kind) {
        stop();
        resolve(event);
      }
    });
  });

  it('shows on the follower the run the leader holds', async () => {
    const client = await follower.connect(follower.device(deviceId));
    const topic = follower.topics.build('waterlogging', deviceId, 'telemetry');
    let id = '';
    for (let n = 0; n < 4; n += 1) {
      const joined = nextOnLeader(n === 0 ? 'dispatched' : 'joined');
      await client.publishAsync(topic, JSON.stringify({ depth: 20 }), { qos: 1 });
      id = (await joined).id;
      const cleared = nextOnLeader('alarm-closed');
      await client.publishAsync(topic, JSON.stringify({ depth: 0 }), { qos: 1 });
      await cleared;
    }
    const held = leader.platform.events!.get(id)!;
    expect(held.timeline.map((record) => [record.kind, record.kind === 'joined' ? record.run?.count ?? 1 : null])).toEqual([
      ['opened', null], ['dispatched', null], ['alarm-closed', null], ['joined', 3], ['alarm-closed', null],
    ]);
    await waitFor(() => follower.platform.events!.get(id)?.changes === held.changes, 'the follower’s replica at the leader’s version', 15_000);
    expect(follower.platform.events!.get(id)).toEqual(held);
  }, 60_000);
});
