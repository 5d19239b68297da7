import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeaderElection, type LeaderElection } from '../../services/cluster/leader-election.ts';
import { createLeaderServices } from '../../services/cluster/leader-services.ts';
import { createLogger } from '../../services/log.ts';
import { startTempRedis, type TempRedis } from '../helpers/temp-redis.ts';
import { waitFor } from './servers.ts';

const log = createLogger('silent');

describe('leader election through a Redis lease', () => {
  let redis: TempRedis;
  const open: Array<{ close(): unknown }> = [];
  beforeAll(async () => {
    redis = await startTempRedis('wanxiang-leader-');
  });
  afterAll(async () => {
    for (const one of open.reverse()) await Promise.resolve(one.close()).catch(() => undefined);
    await redis?.close();
  });

  function candidate(name: string, key: string, events: string[]) {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    connection.on('error', () => undefined);
    open.push({ close: () => connection.disconnect() });
    const election: LeaderElection = createLeaderElection({
      redis: connection, key, nodeId: name, leaseMs: 900, log,
      onElected: (token) => events.push(`${name} elected ${token}`),
      onDeposed: () => events.push(`${name} deposed`),
    });
    open.push(election);
    return { election, connection };
  }

  it('elects one node; when it dies without releasing, the lease lapses and the other takes over with a higher token', async () => {
    const events: string[] = [];
    const a = candidate('a', 'lease-crash', events);
    const b = candidate('b', 'lease-crash', events);
    await a.election.start();
    await b.election.start();
    expect([a.election.isLeader, b.election.isLeader]).toEqual([true, false]);
    const first = a.election.token;

    // a's process "dies": its connection is gone, so it can neither renew nor release.
    a.connection.disconnect();
    await waitFor(() => b.election.isLeader, 'b elected after the lease lapsed', 10_000);
    expect(b.election.token).toBeGreaterThan(first);
    // a stepped down on its own once it could not renew, before b could win.
    expect(a.election.isLeader).toBe(false);
    expect(events.indexOf('a deposed')).toBeLessThan(events.indexOf(`b elected ${b.election.token}`));
  });

  it('hands over at once when the leader closes', async () => {
    const events: string[] = [];
    const a = candidate('a', 'lease-close', events);
    const b = candidate('b', 'lease-close', events);
    await a.election.start();
    await b.election.start();
    await a.election.close();
    await waitFor(() => b.election.isLeader, 'b elected', 2_000);
    expect(events).toEqual(['a elected 1', 'a deposed', 'b elected 2']);
  });
});

describe('leader-only services', () => {
  it('start in order when elected, stop in reverse when deposed, never twice at once', async () => {
    const trace: string[] = [];
    const services = createLeaderServices(log);
    const service = (name: string) => ({ name, start: () => void trace.push(`start ${name}`), close: async () => void trace.push(`stop ${name}`) });
    services.add(service('rollups'));
    services.elected();
    services.elected();
    services.add(service('alarms')); // added while leading: started at once
    await services.settled();
    expect(services.running()).toEqual(['rollups', 'alarms']);
    services.deposed();
    await services.settled();
    expect(trace).toEqual(['start rollups', 'start alarms', 'stop alarms', 'stop rollups']);
    expect(services.running()).toEqual([]);
  });
});
