import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { connectStation, parseStationUrl, type StationConnection } from '../../simulators/hj212-client.ts';
import { beijingDigits, useStationPlatform } from '../helpers/hj212-station.ts';

const admin = 'admin-token-0123456789abcdef01234';
const beijingNow = () => beijingDigits();
let qn = 0;
/** A real-time noise packet of a load station (noise-load-000N, MN LOAD00000000N) with the answer bit. */
const packet = (mn: string, pw: string, cp = `DataTime=${beijingNow()};LA-Rtd=50.1`) =>
  encodeFrame(`QN=${beijingNow()}${String((qn += 1) % 1000).padStart(3, '0')};ST=23;CN=2011;PW=${pw};MN=${mn};Flag=5;CP=&&${cp}&&`);

/**
 * The HJ 212 door (services/hj212/) attacked over real sockets as a station or a guesser would:
 * another station's MN on a logged-in connection, a station disabled by the admin while its
 * connection stays open, a split packet whose PNUM says 9999. Guessed PWs: hj212-logins.test.ts.
 */
describe('red team: HJ 212 over TCP', () => {
  const stations = useStationPlatform('redteam-hj212', 4, { hj212: { maxSplitSets: 10, splitTimeoutMs: 600_000 }, http: { tokens: [{ role: 'admin', token: admin }] } });
  const station = () => stations.connect();
  const packets = (result: string) => stations.test.metric('wanxiang_hj212_packets_total', { result });

  it('checks a station’s own packets sent several at once as one login (guessers are slowed: tests/redteam/hj212-logins.test.ts)', async () => {
    const own = await station();
    own.send(Buffer.concat(Array.from({ length: 8 }, () => packet('LOAD000000003', '123456'))));
    for (let n = 0; n < 8; n += 1) expect(await own.nextReply()).toContain('CN=9014');
    expect(await stations.test.metric('wanxiang_secret_checks_total', { door: 'hj212' })).toBeLessThanOrEqual(1);
  });

  it('holds: another station’s MN on a logged-in connection needs that station’s own PW; a logger may carry several', async () => {
    // LD130133000015 (water-shenzhen-river-mouth) has PW 000000; the load stations 123456.
    const connection = await station();
    const before = { badPw: await packets('bad_pw'), accepted: await packets('accepted') };
    connection.send(packet('LOAD000000003', '123456'));
    expect(await connection.nextReply()).toContain('MN=LOAD000000003');
    connection.send(packet('LD130133000015', '123456', `DataTime=${beijingNow()};w01018-Rtd=12.5`));
    connection.send(packet('LD130133000015', '', `DataTime=${beijingNow()};w01018-Rtd=12.5`));
    connection.send(packet('LD130133000015', '000000', `DataTime=${beijingNow()};w01018-Rtd=12.5`));
    // Only the last (its own PW) is answered: the two before it got none.
    expect(await connection.nextReply()).toContain('MN=LD130133000015');
    expect(await packets('bad_pw')).toBe(before.badPw + 2);
    expect(await packets('accepted')).toBe(before.accepted + 2);
  });

  it('holds no more split parts than ten a set on average, however many one set’s PNUM promises', async () => {
    // One set of PNUM 9999 (the field's largest): its parts waited for the timeout, each kept whole in memory.
    const connection = await station();
    const dataTime = beijingNow();
    const split = (pno: number) => encodeFrame(`QN=${beijingNow()}${String(pno % 1000).padStart(3, '0')};PNUM=9999;PNO=${pno};ST=23;CN=2011;PW=123456;MN=LOAD000000003;Flag=7;CP=&&DataTime=${dataTime};LA-Rtd=50.${pno % 10}&&`);
    const incomplete = () => stations.test.metric('wanxiang_hj212_split_sets_total', { outcome: 'incomplete' });
    expect(await incomplete()).toBe(0);
    for (let pno = 1; pno <= 150; pno += 1) connection.send(split(pno));
    for (let pno = 1; pno <= 150; pno += 1) expect(await connection.nextReply()).toContain('CN=9014');
    // maxSplitSets 10: at most 100 parts wait; the set is given up (counted incomplete) when the 101st comes, long before its timeout.
    expect(await incomplete()).toBe(1);
  });

  it('closes the connection of a station disabled by the admin, as an MQTT device’s session is closed', async () => {
    const connection = await station();
    connection.send(packet('LOAD000000004', '123456'));
    expect(await connection.nextReply()).toContain('CN=9014');
    expect(stations.test.platform.hj212!.station('noise-load-0004')?.connected).toBe(true);
    const closed = once(connection.socket, 'close');
    const disabled = await fetch(`${stations.test.endpoints.httpUrl}/api/v1/devices/noise-load-0004/disable`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(disabled.status).toBe(200);
    await closed;
    await expect.poll(() => stations.test.platform.hj212!.station('noise-load-0004')?.connected).toBe(false);
    expect(await stations.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'registry' })).toBe(1);
  }, 30_000);
});

/**
 * Failed logins are remembered per address and per (address, MN) for the throttle's window. An
 * MN is the guesser's text: keys it never sends again were never dropped, so unknown MNs from
 * a few addresses grew memory without end. Wrong MNs from ten addresses, then the window passes.
 */
describe('red team: HJ 212 login failures are forgotten once their window has passed', () => {
  const stations = useStationPlatform('redteam-hj212-keys', 1, { mqtt: { loginThrottleMs: 5_000 } });
  const from = (address: string) => stations.connect(address);
  const keys = () => stations.test.metric('wanxiang_hj212_login_failure_keys');

  it('keeps the keys of one window only, however many MNs were tried', async () => {
    const guessers = await Promise.all(Array.from({ length: 10 }, (_, n) => from(`127.0.0.${n + 10}`)));
    // Twenty MNs each (the address limit), 1 KB of hostile text apiece: 210 keys (10 addresses, 200 pairs).
    guessers.forEach((connection, n) => connection.send(Buffer.concat(Array.from({ length: 20 }, (_, m) => packet(`GHOST-${n}-${m}-${'\u0001"/#+\u0000'.repeat(170)}`, 'x')))));
    await expect.poll(() => stations.test.metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' }), { timeout: 30_000 }).toBe(200);
    expect(await keys()).toBeGreaterThanOrEqual(100);
    // One failure now and then from another address: once the window has passed, the others' keys are gone.
    const poller = await from('127.0.0.99');
    await expect.poll(async () => {
      poller.send(packet('GHOST-POLL', 'x'));
      return keys();
    }, { timeout: 30_000, interval: 500 }).toBeLessThanOrEqual(2);
  }, 60_000);
});

/**
 * Slow-loris without a frame: bytes that begin no frame (garbage, skipped by the framer) kept the
 * socket from ever being idle, so one byte now and then held a connection slot for good without
 * a login. A connection on which no station logs in within the idle time is closed.
 */
describe('red team: HJ 212 connections that never log in', () => {
  const stations = useStationPlatform('redteam-hj212-idle', 1, { hj212: { idleTimeoutMs: 1_500 } });

  it('closes a connection trickling garbage without a login; a station that logs in stays', async () => {
    const trickler = await connectStation(parseStationUrl(stations.test.endpoints.hj212Url!));
    const station = await connectStation(parseStationUrl(stations.test.endpoints.hj212Url!));
    try {
      station.send(packet('LOAD000000001', '123456'));
      expect(await station.nextReply()).toContain('CN=9014');
      const closed = once(trickler.socket, 'close');
      // A byte every 300 ms: never idle for the 1.5 s idle time.
      const trickle = setInterval(() => {
        trickler.send(Buffer.from('x'));
        station.send(packet('LOAD000000001', '123456'));
      }, 300);
      try {
        await closed;
      } finally {
        clearInterval(trickle);
      }
      expect(await stations.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'no_login' })).toBe(1);
      expect(station.socket.destroyed).toBe(false);
    } finally {
      await Promise.all([trickler.close(), station.close()]);
    }
  }, 30_000);
});

/**
 * Connections that never log in, from many addresses (or, here, many connections from one exempt
 * address): they filled every slot and kept real stations out until their login deadline. At the
 * limit, a new connection takes the slot of the oldest connection still waiting for a login; when
 * every slot is a logged-in station's, a new one is refused.
 */
describe('red team: HJ 212 slots held without a login', () => {
  const stations = useStationPlatform('redteam-hj212-slots', 4, { hj212: { maxConnections: 3, idleTimeoutMs: 60_000 } });

  it('gives a station the slot of the oldest connection waiting for a login, and refuses one only when stations hold every slot', async () => {
    const url = parseStationUrl(stations.test.endpoints.hj212Url!);
    const silent = [await connectStation(url), await connectStation(url), await connectStation(url)];
    const closed = (connection: StationConnection) => new Promise<boolean>((resolve) => {
      if (connection.socket.destroyed) resolve(true);
      else connection.socket.once('close', () => resolve(true));
    });
    await expect.poll(() => stations.test.metric('wanxiang_hj212_connections', {})).toBe(3);
    const oldestClosed = closed(silent[0]!);
    const station = await connectStation(url);
    station.send(packet('LOAD000000001', '123456'));
    expect(await station.nextReply()).toContain('CN=9014');
    expect(await oldestClosed).toBe(true);
    expect(await stations.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'evicted' })).toBe(1);
    // The two still waiting log in as stations: now every slot is a station's.
    silent[1]!.send(packet('LOAD000000002', '123456'));
    silent[2]!.send(packet('LOAD000000003', '123456'));
    expect(await silent[1]!.nextReply()).toContain('CN=9014');
    expect(await silent[2]!.nextReply()).toContain('CN=9014');
    const late = await connectStation(url);
    expect(await closed(late)).toBe(true);
    expect(await stations.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'limit' })).toBe(1);
    expect(await stations.test.metric('wanxiang_hj212_connections_closed_total', { reason: 'evicted' })).toBe(1);
    for (const connection of [station, silent[1]!, silent[2]!]) expect(connection.socket.destroyed).toBe(false);
    await Promise.all([station, late, ...silent].map((connection) => connection.close()));
  }, 60_000);

  it('leaves no station online whose connection closed while its PW was checked', async () => {
    await expect.poll(() => stations.test.metric('wanxiang_hj212_connections', {})).toBe(0);
    const handled = async () => (await stations.test.metric('wanxiang_hj212_packets_total', { result: 'closed' })) + (await stations.test.metric('wanxiang_hj212_packets_total', { result: 'accepted' }));
    const closedBefore = await stations.test.metric('wanxiang_hj212_packets_total', { result: 'closed' });
    const before = await handled();
    const quitter = await connectStation(parseStationUrl(stations.test.endpoints.hj212Url!));
    // The packet, then the connection gone, usually before its scrypt check has ended (on a
    // crowded machine the check may win: then the packet is stored and the close unbinds it).
    await new Promise<void>((resolve) => quitter.socket.write(packet('LOAD000000004', '123456'), () => resolve()));
    quitter.socket.destroy();
    await expect.poll(handled, { timeout: 10_000 }).toBe(before + 1);
    await expect.poll(() => stations.test.metric('wanxiang_hj212_connections', {})).toBe(0);
    // Whichever came first, the station is not left online by a connection that is gone.
    expect(stations.test.platform.ingest.presence.isOnline('noise-load-0004')).toBe(false);
    expect(await stations.test.metric('wanxiang_hj212_packets_total', { result: 'closed' })).toBeGreaterThanOrEqual(closedBefore);
  }, 30_000);
});
