import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../services/config.ts';
import type { DistrictEvent, EventRecord } from '../../services/events/index.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { startRedis, waitFor, type Server } from './servers.ts';

/**
 * A flapping device's joins fold into one timeline entry (services/events/rejoin-runs.ts), so a
 * later version of an event may have a shorter timeline than the one before. A replica took "more
 * timeline" for "later": it refused the folded versions and kept showing the device's first flap.
 * It takes the version with more changes now, and shows what the leader holds.
 */
describe('a flapping device’s event in a cluster’s replicas', () => {
  let redis: Server & { url: string };
  let dir: string;
  const database = `clusterruns_${randomBytes(4).toString('hex')}`;
  const nodes: TestPlatform[] = [];
  let leader: TestPlatform;
  let follower: TestPlatform;
  const deviceId = 'waterlogging-wenjin-school';

  async function startNode(name: string): Promise<TestPlatform> {
    const registryFile = join(dir, `${name}-devices.json`);
    await copyFile('seeds/devices.json', registryFile);
    const overrides: ConfigInput = {
      registryFile,
      influx: { database },
      alarms: { rulesFile: join(dir, 'rules.json') },
      cluster: { redisUrl: redis.url, nodeId: name, leaderLeaseMs: 10_000, redisPrefix: `wx-${database}` },
    };
    const node = await startTestPlatform(overrides);
    nodes.push(node);
    return node;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-cluster-runs-'));
    // The caution depth alone, opened by one reading and closed by one clear reading.
    await writeFile(join(dir, 'rules.json'), JSON.stringify({
      version: 1,
      rules: [{
        id: 'waterlogging-caution', family: 'waterlogging', severity: 'warning', textZh: '{site}积水{value}厘米', textEn: '{site}: water {value} cm deep',
        condition: { kind: 'field-above', field: 'depth', atLeastAttribute: 'cautionCm', atLeast: 15 }, debounce: 1, holdMs: 0,
      }],
    }));
    redis = await startRedis(dir);
    const a = await startNode('a');
    const b = await startNode('b');
    await waitFor(() => [a, b].some((node) => node.platform.cluster!.leaderServices.running().includes('events')), 'a node running the events', 15_000);
    [leader, follower] = a.platform.cluster!.election.isLeader ? [a, b] : [b, a];
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
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
