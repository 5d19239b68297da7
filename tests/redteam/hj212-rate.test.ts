import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { beijingDigits as beijing, useStationPlatform } from '../helpers/hj212-station.ts';

/** A real-time packet of load station `n` (noise, PW 123456) with the answer bit, `agoS` seconds old. */
const packet = (n: number, agoS: number) => encodeFrame(`QN=${beijing(agoS * 1_000, 17)};ST=23;CN=2011;PW=123456;MN=LOAD00000000${n};Flag=5;CP=&&DataTime=${beijing(agoS * 1_000)};LA-Rtd=50.1&&`);

/**
 * Red team 5: MQTT devices have a token bucket, HJ 212 stations had none, and one station landed
 * 7,971 packets a second. A station past its bucket now waits: its connections are not read, its
 * packets are answered later, none is dropped, and other stations are not slowed.
 */
describe('red team: a token bucket per HJ 212 station', () => {
  const stations = useStationPlatform('redteam-hj212-rate', 2, { hj212: { stationPacketsPerSecond: 40, stationBurstSeconds: 1 } });
  const station = () => stations.connect();

  it('holds a flooding station to its rate on two connections at once, answers and stores all of it, and does not slow its neighbour', async () => {
    const { test } = stations;
    const flood = 200;
    const [first, second] = [await station(), await station()];
    let answered = 0;
    for (const connection of [first, second]) connection.socket.on('data', (chunk: Buffer) => { answered += chunk.toString().split('CN=9014').length - 1; });
    // 200 packets of one station, each its own second, half on each connection, in one write each.
    first.send(Buffer.concat(Array.from({ length: flood / 2 }, (_, i) => packet(1, 10 + i))));
    second.send(Buffer.concat(Array.from({ length: flood / 2 }, (_, i) => packet(1, 10 + flood / 2 + i))));
    // Past its burst of 40 the station waits (40 a second: about 4 s for the rest).
    await expect.poll(() => test.metric('wanxiang_device_rate_limited_total', { outcome: 'delayed' }), { timeout: 20_000 }).toBeGreaterThan(100);
    const neighbour = await station();
    neighbour.send(packet(2, 5));
    expect(await neighbour.nextReply()).toContain('MN=LOAD000000002');
    // The neighbour was answered while most of the flood still waited.
    expect(answered).toBeLessThan(flood - 50);
    await expect.poll(() => answered, { timeout: 30_000 }).toBe(flood);
    await test.platform.ingest.drain();
    expect(await test.countPoints('noise', `device = 'noise-load-0001' AND "interval" = 'rtd'`)).toBe(flood);
  }, 60_000);
});
