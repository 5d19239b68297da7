import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { connectStation, parseStationUrl, type StationConnection } from '../../simulators/hj212-client.ts';
import { writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const beijingNow = () => new Date(Date.now() + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
let qn = 0;
/** A real-time noise packet with the answer bit (the load stations noise-load-000N have MN LOAD00000000N and PW 123456). */
const packet = (mn: string, pw: string) => encodeFrame(`QN=${beijingNow()}${String((qn += 1) % 1000).padStart(3, '0')};ST=23;CN=2011;PW=${pw};MN=${mn};Flag=5;CP=&&DataTime=${beijingNow()};LA-Rtd=50.1&&`);

let test: TestPlatform;
let dir: string;
const open: StationConnection[] = [];
/** A connection from a loopback address of its own (the limits are per address). */
const from = async (address: string) => {
  const connection = await connectStation(parseStationUrl(test.endpoints.hj212Url!), { localAddress: address });
  open.push(connection);
  return connection;
};
const packets = (result: string) => test.metric('wanxiang_hj212_packets_total', { result });
const checks = (door: string) => test.metric('wanxiang_secret_checks_total', { door });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-hj212-logins-'));
  // A failure past the limits is held a minute: longer than any test, so what is held stays held while it is counted.
  test = await startTestPlatform({ registryFile: await writeStationRegistry(dir, 4), hj212: { port: 0 }, mqtt: { loginFailureDelayMs: 60_000 } });
}, 120_000);
afterAll(async () => {
  await Promise.all(open.map((connection) => connection.close()));
  await test?.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Red team 2: 2,000 wrong PWs for known MNs from 40 addresses ran 2,000 scrypts at once on
 * libuv's pool, beside the MQTT gate, and MQTT devices' PUBACKs (waiting for the spool's fsync on
 * that pool) waited up to 57 s. HJ 212 PWs now wait their turn at the one gate MQTT logins use.
 */
describe('red team: HJ 212 PW checks share the MQTT login gate', () => {
  it('runs wrong PWs from many addresses and connections, and wrong MQTT logins beside them, at most loginVerifyConcurrency at once', async () => {
    const before = { badPw: await packets('bad_pw'), hj212: await checks('hj212'), mqtt: await checks('mqtt'), auth: await test.metric('wanxiang_auth_failures_total') };
    // 8 addresses × 5 connections, one wrong PW each for one of 4 known MNs: under every per-address and per-MN limit.
    const guessers = await Promise.all(Array.from({ length: 40 }, (_, n) => from(`127.0.0.${20 + (n % 8)}`)));
    guessers.forEach((connection, n) => connection.send(packet(`LOAD00000000${1 + (n % 4)}`, `guess${n}`)));
    // Wrong MQTT logins of the observer (its secret is scrypt-hashed), at the same moment.
    const observers = Array.from({ length: 4 }, (_, n) => mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: `observer-guess${n}`, username: 'observer', password: `wrong${n}`, reconnectPeriod: 0 }).then(() => 'in', () => 'refused'));
    expect(await Promise.all(observers)).toEqual(['refused', 'refused', 'refused', 'refused']);
    await expect.poll(async () => (await packets('bad_pw')) - before.badPw, { timeout: 30_000 }).toBe(40);
    expect(await checks('hj212')).toBe(before.hj212 + 40);
    expect(await checks('mqtt')).toBe(before.mqtt + 4);
    expect(await test.metric('wanxiang_secret_checks_peak')).toBeGreaterThanOrEqual(1);
    expect(await test.metric('wanxiang_secret_checks_peak')).toBeLessThanOrEqual(test.config.mqtt.loginVerifyConcurrency);
    expect(await test.metric('wanxiang_secret_checks_waiting')).toBe(0);
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
