import { waitFor } from '../cluster/servers.ts';
import type { TestPlatform } from './test-platform.ts';

const named = { events: 'the events', alarms: 'the alarm engine' } as const;

/** Waits until one of two nodes runs the leader's `service`; the two as [leader, follower]. */
export async function leaderAndFollower(a: TestPlatform, b: TestPlatform, service: keyof typeof named): Promise<[TestPlatform, TestPlatform]> {
  await waitFor(() => [a, b].some((node) => node.platform.cluster!.leaderServices.running().includes(service)), `a node running ${named[service]}`, 15_000);
  return a.platform.cluster!.election.isLeader ? [a, b] : [b, a];
}
