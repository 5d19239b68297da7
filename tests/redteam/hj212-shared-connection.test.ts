import { describe, expect, it } from 'vitest';
import { crcText, hj212Crc } from '../../services/hj212/crc.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { beijingDigits as beijing, useStationPlatform } from '../helpers/hj212-station.ts';

let qn = 0;
const nextQn = () => `${beijing(0, 14)}${String((qn += 1) % 1000).padStart(3, '0')}`;
const frame = (n: number, pw: string, cp: string) => {
  const id = nextQn();
  return { qn: id, frame: encodeFrame(`QN=${id};ST=23;CN=2011;PW=${pw};MN=LOAD00000000${n};Flag=5;CP=&&${cp}&&`) };
};

/** Station `n`'s frame as line noise leaves it: a byte of its PW changed on the way, its CRC as sent (so it no longer matches). */
const garbled = (n: number) => {
  const sent = frame(n, '123456', `DataTime=${beijing()};LA-Rtd=49.5`).frame;
  const crc = sent.toString('latin1', sent.length - 6, sent.length - 2);
  const noisy = Buffer.from(sent.toString('latin1').replace('PW=123456', 'PW=123457'), 'latin1');
  // The CRC sent is kept unless it happens to match the changed bytes (the Appendix A CRC is weak): then another wrong one.
  const matches = crcText(hj212Crc(noisy, 6, noisy.length - 6));
  noisy.write(crc === matches ? crcText(parseInt(crc, 16) ^ 1) : crc, noisy.length - 6, 'latin1');
  return noisy;
};

// Past its login failures a wrong PW is held a second before it is refused (mqtt.loginFailureDelayMs).
const stations = useStationPlatform('redteam-hj212-shared', 2, { mqtt: { loginFailuresPerDevice: 2, loginFailuresPerAddress: 1_000, loginFailureDelayMs: 1_000 } });

/**
 * A data terminal (DTU) carries several analysers, each its own MN, on one TCP connection. The
 * answers left in the connection's order, so one analyser's wrong-PW packets, each held for the
 * failure delay, held the other's answers back: 45.6 s behind 25 of them, past a logger's 10 s wait
 * (red team 11). Each station's answers keep their own order, and only that.
 */
describe('red team: two stations on one connection, one with a wrong PW', () => {
  it('answers the good station at once, in its own order, while the other\'s wrong packets are held', async () => {
    const connection = await stations.connect();
    // The good station logged in on this connection first (its later packets are recalled, no login to wait for).
    const first = frame(1, '123456', `DataTime=${beijing()};LA-Rtd=50.5`);
    connection.send(first.frame);
    expect(await connection.nextReply()).toContain(`QN=${first.qn};ST=91;CN=9014`);
    for (let n = 0; n < 6; n += 1) connection.send(frame(2, '654321', `DataTime=${beijing()};LA-Rtd=50`).frame);
    const good = [frame(1, '123456', `DataTime=${beijing()};LA-Rtd=51.5`), frame(1, '123456', `DataTime=${beijing()};LA-Rtd=52.5`)];
    const sentAt = Date.now();
    for (const packet of good) connection.send(packet.frame);
    expect(await connection.nextReply()).toContain(`QN=${good[0]!.qn};ST=91;CN=9014`);
    expect(await connection.nextReply()).toContain(`QN=${good[1]!.qn};ST=91;CN=9014`);
    // Behind the wrong packets the answers took their holds, a second each past the failure limit.
    expect(Date.now() - sentAt).toBeLessThan(2_500);
    expect(await stations.test.metric('wanxiang_hj212_packets_total', { result: 'accepted' })).toBe(3);
  }, 30_000);

  // Red team 12: any registry change (another device added, edited, disabled) made every station
  // of the connection log in again, in its one login line, behind the other's held wrong PWs.
  it('after a change to another device of the registry, the good station is still answered at once', async () => {
    const connection = await stations.connect();
    const first = frame(1, '123456', `DataTime=${beijing()};LA-Rtd=55.5`);
    connection.send(first.frame);
    expect(await connection.nextReply()).toContain(`QN=${first.qn};ST=91;CN=9014`);
    const { registry } = stations.test.platform;
    const other = registry.file.devices.find((device) => !device.hj212)!;
    registry.replace({ ...registry.file, devices: registry.file.devices.map((device) => (device.id === other.id ? { ...device, siteName: `${device.siteName} (renamed)` } : device)) });
    for (let n = 0; n < 6; n += 1) connection.send(frame(2, '654321', `DataTime=${beijing()};LA-Rtd=50`).frame);
    const good = frame(1, '123456', `DataTime=${beijing()};LA-Rtd=56.5`);
    const sentAt = Date.now();
    connection.send(good.frame);
    expect(await connection.nextReply()).toContain(`QN=${good.qn};ST=91;CN=9014`);
    expect(Date.now() - sentAt).toBeLessThan(2_500);
  }, 30_000);

  it('a garbled frame naming the good station (bad CRC) holds none of its answers back', async () => {
    const connection = await stations.connect();
    const first = frame(1, '123456', `DataTime=${beijing()};LA-Rtd=53.5`);
    connection.send(first.frame);
    expect(await connection.nextReply()).toContain(`QN=${first.qn};ST=91;CN=9014`);
    const badCrc = await stations.test.metric('wanxiang_hj212_packets_total', { result: 'bad_crc' });
    for (let n = 0; n < 6; n += 1) connection.send(frame(2, '654321', `DataTime=${beijing()};LA-Rtd=50`).frame);
    // Its MN is readable but not to be trusted: in that station's queue, it waited for the other
    // station's held logins (its PW unknown to the connection) and held the good answers behind it.
    connection.send(garbled(1));
    const good = frame(1, '123456', `DataTime=${beijing()};LA-Rtd=54.5`);
    const sentAt = Date.now();
    connection.send(good.frame);
    expect(await connection.nextReply()).toContain(`QN=${good.qn};ST=91;CN=9014`);
    expect(Date.now() - sentAt).toBeLessThan(2_500);
    expect(await stations.test.metric('wanxiang_hj212_packets_total', { result: 'bad_crc' })).toBe(badCrc + 1);
  }, 30_000);
});
