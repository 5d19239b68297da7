import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { beijingDigits, useStationPlatform } from '../helpers/hj212-station.ts';

const beijingNow = () => beijingDigits();
let qn = 0;
/** A real-time noise packet with the answer bit (the load stations noise-load-000N have MN LOAD00000000N and PW 123456). */
const packet = (mn: string, pw: string) => encodeFrame(`QN=${beijingNow()}${String((qn += 1) % 1000).padStart(3, '0')};ST=23;CN=2011;PW=${pw};MN=${mn};Flag=5;CP=&&DataTime=${beijingNow()};LA-Rtd=50.1&&`);

// A failure past the limits is held a minute: longer than any test, so what is held stays held while it is counted.
const stations = useStationPlatform('redteam-hj212-logins', 4, { mqtt: { loginFailureDelayMs: 60_000 } });
/** A connection from a loopback address of its own (the limits are per address). */
const from = (address: string) => stations.connect(address);
const packets = (result: string) => stations.test.metric('wanxiang_hj212_packets_total', { result });
const checks = (door: string) => stations.test.metric('wanxiang_secret_checks_total', { door });

/**
 * Red team 2: 2,000 wrong PWs for known MNs from 40 addresses ran 2,000 scrypts at once on
 * libuv's pool, beside the MQTT gate, and MQTT devices' PUBACKs (waiting for the spool's fsync on
 * that pool) waited up to 57 s. HJ 212 PWs now wait their turn at the one gate MQTT logins use.
 */
describe('red team: HJ 212 PW checks share the MQTT login gate', () => {
  it('runs wrong PWs from many addresses and connections, and wrong MQTT logins beside them, at most loginVerifyConcurrency at once', async () => {
    const before = { badPw: await packets('bad_pw'), hj212: await checks('hj212'), mqtt: await checks('mqtt'), auth: await stations.test.metric('wanxiang_auth_failures_total') };
    // 8 addresses × 5 connections, one wrong PW each for one of 4 known MNs: under every per-address and per-MN limit.
    const guessers = await Promise.all(Array.from({ length: 40 }, (_, n) => from(`127.0.0.${20 + (n % 8)}`)));
    guessers.forEach((connection, n) => connection.send(packet(`LOAD00000000${1 + (n % 4)}`, `guess${n}`)));
    // Wrong MQTT logins of the observer (its secret is scrypt-hashed), at the same moment.
    const observers = Array.from({ length: 4 }, (_, n) => mqtt.connectAsync(stations.test.endpoints.mqttUrl, { clientId: `observer-guess${n}`, username: 'observer', password: `wrong${n}`, reconnectPeriod: 0 }).then(() => 'in', () => 'refused'));
    expect(await Promise.all(observers)).toEqual(['refused', 'refused', 'refused', 'refused']);
    await expect.poll(async () => (await packets('bad_pw')) - before.badPw, { timeout: 30_000 }).toBe(40);
    expect(await checks('hj212')).toBe(before.hj212 + 40);
    expect(await checks('mqtt')).toBe(before.mqtt + 4);
    expect(await stations.test.metric('wanxiang_secret_checks_peak')).toBeGreaterThanOrEqual(1);
    expect(await stations.test.metric('wanxiang_secret_checks_peak')).toBeLessThanOrEqual(stations.test.config.mqtt.loginVerifyConcurrency);
    expect(await stations.test.metric('wanxiang_secret_checks_waiting')).toBe(0);
    // The right PW still gets in, and is remembered: its next login costs no scrypt.
    const station = await from('127.0.0.29');
    station.send(packet('LOAD000000001', '123456'));
    expect(await station.nextReply()).toContain('CN=9014');
    const again = await from('127.0.0.29');
    again.send(packet('LOAD000000001', '123456'));
    expect(await again.nextReply()).toContain('CN=9014');
    expect(await checks('hj212')).toBe(before.hj212 + 41);
  }, 60_000);
});

/**
 * Red team 3, and the MQTT rule (issue 18, item 6) for HJ 212: credentials are checked first,
 * always. 21 unknown MNs from one address refused the right PW of every station behind that
 * address for a minute, and the packet past the limit was dropped without a dead-letter record.
 * Now a failure past the limits is held (loginFailureDelayMs, a minute here) before the next
 * check of that MN from that address; other MNs, other addresses and the right PW go on.
 */
describe('red team: HJ 212 failures are slowed per address and MN, the right PW never refused', () => {
  const delayed = () => stations.test.metric('wanxiang_hj212_logins_delayed_total');

  it('takes the right PW from an address that sent 21 unknown MNs, and keeps a record of each of them', async () => {
    const before = { unknown: await packets('unknown_mn'), delayed: await delayed(), deadLetters: await stations.test.metric('wanxiang_dead_letters_total') };
    const guesser = await from('127.0.0.51');
    guesser.send(Buffer.concat(Array.from({ length: 21 }, (_, n) => packet(`NOSUCH${n}`, 'x'))));
    // Twenty refused at once (the address's limit), the 21st held: none dropped unrecorded.
    await expect.poll(async () => [(await packets('unknown_mn')) - before.unknown, (await delayed()) - before.delayed], { timeout: 30_000 }).toEqual([20, 1]);
    expect((await stations.test.metric('wanxiang_dead_letters_total')) - before.deadLetters).toBeGreaterThanOrEqual(20);
    const station = await from('127.0.0.51');
    station.send(packet('LOAD000000004', '123456'));
    expect(await station.nextReply()).toContain('MN=LOAD000000004');
  }, 60_000);

  it('checks a guesser’s PWs for one MN in turn: past the limit each waits its hold, while the station gets in from elsewhere and other MNs from the same address', async () => {
    const before = { badPw: await packets('bad_pw'), delayed: await delayed(), checks: await checks('hj212'), waiting: await stations.test.metric('wanxiang_secret_checks_waiting') };
    // Sixty guesses in one write, then ten connections with one guess each, for the same MN from the same address.
    const guesser = await from('127.0.0.41');
    guesser.send(Buffer.concat(Array.from({ length: 60 }, (_, n) => packet('LOAD000000002', `guess${n}`))));
    await expect.poll(async () => [(await packets('bad_pw')) - before.badPw, (await delayed()) - before.delayed], { timeout: 30_000 }).toEqual([stations.test.config.mqtt.loginFailuresPerDevice, 1]);
    const others = await Promise.all(Array.from({ length: 10 }, () => from('127.0.0.41')));
    others.forEach((connection, n) => connection.send(packet('LOAD000000002', `other${n}`)));
    // They wait for the hold at the gate: not checked, not refused.
    await expect.poll(async () => (await stations.test.metric('wanxiang_secret_checks_waiting')) - before.waiting, { timeout: 30_000 }).toBe(10);
    expect((await checks('hj212')) - before.checks).toBe(stations.test.config.mqtt.loginFailuresPerDevice + 1);
    // The station, from its own address; another station from the guesser's address.
    const station = await from('127.0.0.42');
    station.send(packet('LOAD000000002', '123456'));
    expect(await station.nextReply()).toContain('MN=LOAD000000002');
    const neighbour = await from('127.0.0.41');
    neighbour.send(packet('LOAD000000003', '123456'));
    expect(await neighbour.nextReply()).toContain('MN=LOAD000000003');
    expect((await packets('bad_pw')) - before.badPw).toBe(stations.test.config.mqtt.loginFailuresPerDevice);
  }, 60_000);
});
