import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { audit, reply, startAuditPlatform, type AuditPlatform } from '../helpers/hj212-audit.ts';

/**
 * reference/hj212.md §9.1: HJ 212-2017 has no heartbeat, so a connection's idle timeout is about
 * 3× the station's upload interval. A station registered with a long reportIntervalMs keeps its
 * connection past the receiver's default idle timeout; one without is closed at it.
 */
let harness: AuditPlatform;

beforeAll(async () => {
  harness = await startAuditPlatform({ idleTimeoutMs: 1_000 });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe('HJ 212 idle timeout from the station\'s registered interval', () => {
  it('closes a quiet connection of a station without an interval at the default, and keeps one of a station reporting every 10 min', async () => {
    const quick = await harness.station();
    const slow = await harness.station();
    const packet = (qn: string, mn: string) => encodeFrame(`QN=${qn};ST=23;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601130000;LA-Rtd=50&&`);
    quick.send(packet('20240601130000001', audit.generic.mn));
    slow.send(packet('20240601130000002', audit.slow.mn));
    expect(await quick.nextReply()).toBe(reply('20240601130000001', audit.generic.mn, 4));
    expect(await slow.nextReply()).toBe(reply('20240601130000002', audit.slow.mn, 4));
    const idleBefore = await harness.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'idle' });
    // Both are quiet from now on; the quick one's close (after 1 s) comes first, then the slow one speaks again.
    await new Promise<void>((resolve) => quick.socket.once('close', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a further idle period: the slow one would be closed by now too, were it held to the default
    slow.send(packet('20240601130000003', audit.slow.mn));
    expect(await slow.nextReply()).toBe(reply('20240601130000003', audit.slow.mn, 4));
    expect(await harness.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'idle' })).toBe(idleBefore + 1);
  }, 60_000);
});
