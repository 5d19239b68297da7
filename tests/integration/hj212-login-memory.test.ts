import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { hashSecret } from '../../services/registry/secrets.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { connectStation, parseStationUrl, type StationConnection } from '../../simulators/hj212-client.ts';
import { writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

let test: TestPlatform;
let dir: string;
let connection: StationConnection;
const station = 'noise-load-0001';
const probe = 'noise-load-0002';
const beijingNow = () => new Date(Date.now() + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
let qn = 0;
/** A real-time noise packet with the answer bit; its QN, to find its answer by. */
function send(mn: string, pw: string): string {
  const id = `${beijingNow()}${String((qn += 1) % 1000).padStart(3, '0')}`;
  connection.send(encodeFrame(`QN=${id};ST=23;CN=2011;PW=${pw};MN=${mn};Flag=5;CP=&&DataTime=${beijingNow()};LA-Rtd=50.1&&`));
  return id;
}
const answerTo = (reply: string) => /QN=(\d+);/.exec(reply)?.[1];
/** The registry as it is, with one device changed, put in place as the admin API, the CLI's file or the cluster do. */
function changeStation(change: (device: DeviceRecord) => DeviceRecord): void {
  const file = test.platform.registry.file;
  test.platform.registry.replace({ ...file, devices: file.devices.map((device) => (device.id === station ? change(device) : device)) });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanxiang-hj212-login-'));
  // A failure past the limits is held a minute: the guesses after it stay waiting while the station is checked.
  test = await startTestPlatform({ registryFile: await writeStationRegistry(dir, 2), hj212: { port: 0 }, mqtt: { loginFailureDelayMs: 60_000 } });
  connection = await connectStation(parseStationUrl(test.endpoints.hj212Url!));
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await test?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a connection remembers its station\'s login only while the registry stays as it was', () => {
  it('refuses the very next packet after a PW rotation and after disabling, on the same connection', async () => {
    // One connection carrying two stations (a data logger multiplexing MNs): the second is the probe that proves no answer came for the first.
    expect(answerTo(await (send('LOAD000000001', '123456'), connection.nextReply()))).toBeDefined();
    const remembered = send('LOAD000000001', '123456');
    expect(answerTo(await connection.nextReply())).toBe(remembered);

    const badPw = await test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' });
    const pwHash = await hashSecret('654321', undefined, { N: 1024, r: 8, p: 1 });
    changeStation((device) => ({ ...device, hj212: { ...device.hj212!, pwHash } }));
    send('LOAD000000001', '123456'); // the old PW, remembered by this connection a moment ago
    const probed = send('LOAD000000002', '123456');
    expect(answerTo(await connection.nextReply())).toBe(probed);
    expect(await test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' })).toBe(badPw + 1);
    const rotated = send('LOAD000000001', '654321');
    expect(answerTo(await connection.nextReply())).toBe(rotated);

    const disabled = await test.metric('wanxiang_hj212_packets_total', { result: 'disabled' });
    changeStation((device) => ({ ...device, disabled: true }));
    send('LOAD000000001', '654321');
    const probedAgain = send('LOAD000000002', '123456');
    expect(answerTo(await connection.nextReply())).toBe(probedAgain);
    expect(await test.metric('wanxiang_hj212_packets_total', { result: 'disabled' })).toBe(disabled + 1);
    expect(test.platform.registry.device(probe)?.disabled).toBeFalsy();
  });
});

describe('wrong PWs for a station\'s MN from elsewhere do not silence the station', () => {
  it('answers the station on its verified connection and on a new one from its own address while another address guesses its PW', async () => {
    changeStation((device) => ({ ...device, disabled: false }));
    const file = test.platform.registry.file;
    const probeRecord = file.devices.find((device) => device.id === probe)!;
    // The probe station, its PW the fixture's: verified once on this connection.
    const verified = send('LOAD000000002', '123456');
    expect(answerTo(await connection.nextReply())).toBe(verified);
    // Another address (127.0.0.2 is loopback too) sends wrong PWs for the probe's MN, past every limit.
    const guesser = await connectStation(parseStationUrl(test.endpoints.hj212Url!), { localAddress: '127.0.0.2' });
    try {
      const guess = (i: number) => guesser.send(encodeFrame(`QN=20261205000000${String(i).padStart(3, '0')};ST=23;CN=2011;PW=guess${i};MN=LOAD000000002;Flag=5;CP=&&DataTime=${beijingNow()};LA-Rtd=50.1&&`));
      const badPw = await test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' });
      const delayed = await test.metric('wanxiang_hj212_logins_delayed_total');
      for (let i = 0; i < 12; i += 1) guess(i);
      // Twelve sent at once are checked one after another: five failures (loginFailuresPerDevice) at once, the sixth held (tests/redteam/hj212-logins.test.ts).
      await expect.poll(async () => [await test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' }), await test.metric('wanxiang_hj212_logins_delayed_total')], { timeout: 30_000 }).toEqual([badPw + test.config.mqtt.loginFailuresPerDevice, delayed + 1]);
    } finally {
      await guesser.close();
    }
    // The station's connection goes on, and so does a fresh login from the station's own address.
    const after = send('LOAD000000002', '123456');
    expect(answerTo(await connection.nextReply())).toBe(after);
    const fresh = await connectStation(parseStationUrl(test.endpoints.hj212Url!));
    try {
      const id = `${beijingNow()}999`;
      fresh.send(encodeFrame(`QN=${id};ST=23;CN=2011;PW=123456;MN=LOAD000000002;Flag=5;CP=&&DataTime=${beijingNow()};LA-Rtd=50.2&&`));
      expect(answerTo(await fresh.nextReply())).toBe(id);
    } finally {
      await fresh.close();
    }
    expect(probeRecord.disabled).toBeFalsy();
  }, 60_000);
});
