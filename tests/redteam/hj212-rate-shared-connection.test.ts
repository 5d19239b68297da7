import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import type { StationConnection } from '../../simulators/hj212-client.ts';
import { beijingDigits as beijing, useStationPlatform } from '../helpers/hj212-station.ts';

let counter = 0;
/** The whole second the suite began at: packets `agoS` apart have DataTimes as far apart whenever they are made. */
const suiteSecondMs = Math.floor(Date.now() / 1_000) * 1_000;
/**
 * A real-time packet of load station `n` (noise, PW 123456) with the answer bit and a QN of its
 * own, its DataTime `agoS` seconds before the suite began (Beijing time, as HJ 212 writes it).
 */
const packet = (n: number, agoS: number) => {
  const qn = `${beijing(0, 14)}${String((counter += 1) % 1000).padStart(3, '0')}`;
  const dataTime = new Date(suiteSecondMs - agoS * 1_000 + 8 * 3_600_000).toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
  return { qn, frame: encodeFrame(`QN=${qn};ST=23;CN=2011;PW=123456;MN=LOAD00000000${n};Flag=5;CP=&&DataTime=${dataTime};LA-Rtd=50.1&&`) };
};

/** The QNs the platform answered on a connection, in the order the answers came, and when each came. */
function answersOf(connection: StationConnection) {
  const order: string[] = [];
  const at = new Map<string, number>();
  void (async () => {
    for (;;) {
      const reply = await connection.nextReply().catch(() => undefined);
      if (reply === undefined) return;
      const qn = /QN=(\d+);/.exec(reply)![1]!;
      order.push(qn);
      at.set(qn, Date.now());
    }
  })();
  return { order, at, of: (qns: string[]) => order.filter((qn) => qns.includes(qn)) };
}

const rtd = (n: number) => `device = 'noise-load-000${n}' AND "interval" = 'rtd'`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A small rate, so that a station is well past it in a few packets: 5 a second, a burst of 5.
const stations = useStationPlatform('redteam-hj212-rate-shared', 5, { hj212: { stationPacketsPerSecond: 5, stationBurstSeconds: 1, stationFramesHeld: 20 } });

/**
 * A data terminal (DTU) carries several analysers, each its own MN, on one TCP connection. A
 * station past its rate paused the whole socket while its packets waited, so its neighbours'
 * packets and answers waited behind it too (their loggers time out and resend, or fall behind).
 * Only its own frames wait now; the socket is paused only once it holds more than
 * hj212.stationFramesHeld of them.
 */
describe('red team: a station past its rate on a DTU shared with another', () => {
  it('answers and stores the neighbour at once, while the flooding station\'s packets wait their turn and all come, in its order', async () => {
    const connection = await stations.connect();
    const answers = answersOf(connection);
    const delayedBefore = await stations.test.metric('wanxiang_device_rate_limited_total', { outcome: 'delayed' });
    const sentA: string[] = [];
    const sentB: string[] = [];
    const sentAt = new Map<string, number>();
    const send = (n: 1 | 2, agoS: number) => {
      const { qn, frame } = packet(n, agoS);
      (n === 1 ? sentA : sentB).push(qn);
      sentAt.set(qn, Date.now());
      connection.send(frame);
    };
    // Both log in on the connection.
    send(1, 100);
    send(2, 100);
    await expect.poll(() => answers.order.length, { timeout: 10_000 }).toBe(2);
    // A: 20 packets at once, 16 past what is left of its burst (about 3 s of waiting).
    connection.send(Buffer.concat(Array.from({ length: 20 }, (_, i) => {
      const { qn, frame } = packet(1, 101 + i);
      sentA.push(qn);
      return frame;
    })));
    // Then A keeps sending faster than its rate, and B at its own pace, each B packet behind one of A's on the socket.
    for (let i = 0; i < 8; i += 1) {
      await pause(250);
      send(1, 121 + i);
      send(2, 101 + i);
    }
    await expect.poll(() => answers.of(sentB).length, { timeout: 10_000 }).toBe(sentB.length);
    // Every B packet after its login answered within a second of its sending (behind A's holds it waited about 3 s).
    const latenciesB = sentB.slice(1).map((qn) => answers.at.get(qn)! - sentAt.get(qn)!);
    expect(latenciesB.filter((latencyMs) => latencyMs >= 1_000)).toEqual([]);
    // A was held to its rate the whole time, and is answered in full, in the order it sent.
    expect(answers.of(sentA).length).toBeLessThan(sentA.length);
    await expect.poll(() => answers.of(sentA).length, { timeout: 20_000 }).toBe(sentA.length);
    expect(answers.of(sentA)).toEqual(sentA);
    expect(answers.of(sentB)).toEqual(sentB);
    expect(await stations.test.metric('wanxiang_device_rate_limited_total', { outcome: 'delayed' })).toBeGreaterThan(delayedBefore + 15);
    await stations.test.platform.ingest.drain();
    expect(await stations.test.countPoints('noise', rtd(1))).toBe(sentA.length);
    expect(await stations.test.countPoints('noise', rtd(2))).toBe(sentB.length);
  }, 60_000);

  it('pauses the connection once the flooding station holds more than hj212.stationFramesHeld, and reads it again once it holds no more', async () => {
    const connection = await stations.connect();
    const answers = answersOf(connection);
    const login = [packet(3, 100), packet(4, 100)];
    for (const { frame } of login) connection.send(frame);
    await expect.poll(() => answers.order.length, { timeout: 10_000 }).toBe(2);
    // A (station 3) floods 40 packets in one write: 4 go at once, 36 are held, 16 past the bound of 20.
    const flood = Array.from({ length: 40 }, (_, i) => packet(3, 101 + i));
    connection.send(Buffer.concat(flood.map(({ frame }) => frame)));
    const floodQns = flood.map(({ qn }) => qn);
    await expect.poll(() => answers.of(floodQns).length, { timeout: 10_000 }).toBeGreaterThan(0);
    // B's packet, sent once the flood has been read: the socket is not read until A is back at its
    // bound (16 packets at 5 a second, about 3 s), then B is answered at once, ahead of A's rest.
    const b = packet(4, 101);
    const sentAt = Date.now();
    connection.send(b.frame);
    await expect.poll(() => answers.at.has(b.qn), { timeout: 20_000 }).toBe(true);
    expect(answers.at.get(b.qn)! - sentAt).toBeGreaterThan(2_000);
    expect(answers.of(floodQns).length).toBeLessThan(flood.length);
    await expect.poll(() => answers.of(floodQns).length, { timeout: 20_000 }).toBe(flood.length);
    expect(answers.of(floodQns)).toEqual(floodQns);
    await stations.test.platform.ingest.drain();
    expect(await stations.test.countPoints('noise', rtd(3))).toBe(flood.length + 1);
    expect(await stations.test.countPoints('noise', rtd(4))).toBe(2);
  }, 60_000);

  it('stores and answers none of a station\'s waiting packets once its connection closed', async () => {
    const { test } = stations;
    const connection = await stations.connect();
    const answers = answersOf(connection);
    const login = packet(5, 100);
    connection.send(login.frame);
    await expect.poll(() => answers.order.length, { timeout: 10_000 }).toBe(1);
    const packets = (result: string) => test.metric('wanxiang_hj212_packets_total', { result });
    const [acceptedBefore, closedBefore] = [await packets('accepted'), await packets('closed')];
    // 4 go at once, 16 wait (up to 3 s); the station hangs up once the first is answered.
    const flood = Array.from({ length: 20 }, (_, i) => packet(5, 101 + i));
    connection.send(Buffer.concat(flood.map(({ frame }) => frame)));
    await expect.poll(() => answers.order.length, { timeout: 10_000 }).toBeGreaterThan(1);
    await connection.close();
    // Every packet either stored before the close or given up as closed, the most of them given up.
    await expect.poll(async () => (await packets('accepted')) - acceptedBefore + (await packets('closed')) - closedBefore, { timeout: 10_000 }).toBe(flood.length);
    const stored = (await packets('accepted')) - acceptedBefore;
    expect(stored).toBeLessThan(flood.length / 2);
    expect(answers.order.length - 1).toBeLessThanOrEqual(stored);
    await test.platform.ingest.drain();
    expect(await test.countPoints('noise', rtd(5))).toBe(1 + stored);
  }, 60_000);
});
