import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { hashSecret } from '../../services/registry/secrets.ts';
import { beijingDigits, useStationPlatform } from '../helpers/hj212-station.ts';

const adminToken = 'station-rotate-admin-token-0123456789';
let qn = 0;
/** A real-time noise packet with the answer bit (load station noise-load-0001: MN LOAD000000001, PW 123456). */
const packet = (pw: string) => encodeFrame(`QN=${beijingDigits()}${String((qn += 1) % 1000).padStart(3, '0')};ST=23;CN=2011;PW=${pw};MN=LOAD000000001;Flag=5;CP=&&DataTime=${beijingDigits()};LA-Rtd=50.1&&`);

const stations = useStationPlatform('redteam-station-rotate', 1, { http: { tokens: [{ role: 'admin', token: adminToken }] } });

/**
 * Red team 10: `devices rotate` and POST /api/v1/devices/:id/rotate changed only a station's MQTT
 * secret. Its HJ 212 PW, the one credential a station uses, kept working, on its open connection
 * and on new ones, and nothing could change it. A rotate now gives a station a new PW too.
 */
describe('red team: rotating an HJ 212 station rotates its PW', () => {
  it('answers the new PW once, closes the station\'s connection, refuses the old PW and takes the new one', async () => {
    const before = await stations.connect();
    before.send(packet('123456'));
    expect(await before.nextReply()).toContain('CN=9014');
    const closed = new Promise<void>((resolve) => before.socket.once('close', () => resolve()));

    const answer = await fetch(`${stations.test.endpoints.httpUrl}/api/v1/devices/noise-load-0001/rotate`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(answer.status).toBe(200);
    const { hj212Pw } = (await answer.json()) as { hj212Pw?: string };
    expect(hj212Pw).toMatch(/^[0-9A-F]{24}$/);
    await closed;

    const badPw = async () => stations.test.metric('wanxiang_hj212_packets_total', { result: 'bad_pw' });
    const refusedBefore = await badPw();
    const old = await stations.connect();
    old.send(packet('123456'));
    await expect.poll(badPw, { timeout: 10_000 }).toBe(refusedBefore + 1);

    const fresh = await stations.connect();
    fresh.send(packet(hj212Pw!));
    expect(await fresh.nextReply()).toContain('CN=9014');
  });
});

/**
 * Red team 10: a station disabled while its PW was under scrypt was bound afterwards, with the
 * record from before the check: its packet stored and answered after the disable was, and the
 * station shown connected. It is now judged by the registry as it is when the check ends.
 */
describe('red team: a station disabled while its PW is checked', () => {
  it('is refused when the check ends: nothing stored, no answer, counted as disabled', async () => {
    const platform = stations.test.platform;
    const original = platform.registry.file;
    // A PW hash that takes scrypt a while (N = 2^16), so the disable lands while it runs.
    const slow = await hashSecret('slow-pw-0123', undefined, { N: 65_536, r: 8, p: 1 });
    const withSlowPw = { ...original, devices: original.devices.map((d) => (d.id === 'noise-load-0001' ? { ...d, hj212: { ...d.hj212!, pwHash: slow } } : d)) };
    platform.registry.replace(withSlowPw);
    try {
      const checks = () => stations.test.metric('wanxiang_secret_checks_total', { door: 'hj212' });
      const disabled = () => stations.test.metric('wanxiang_hj212_packets_total', { result: 'disabled' });
      const [checksBefore, disabledBefore] = [await checks(), await disabled()];
      const connection = await stations.connect();
      const frame = packet('slow-pw-0123');
      connection.send(frame);
      await expect.poll(checks, { timeout: 10_000, interval: 5 }).toBe(checksBefore + 1);
      platform.registry.replace({ ...withSlowPw, devices: withSlowPw.devices.map((d) => (d.id === 'noise-load-0001' ? { ...d, disabled: true } : d)) });
      await expect.poll(disabled, { timeout: 10_000 }).toBe(disabledBefore + 1);
      expect(connection.waiting).toBe(0);
    } finally {
      platform.registry.replace(original);
    }
  });
});
