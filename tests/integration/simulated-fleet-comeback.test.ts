import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { fleetKeyDevices } from '../../simulators/device-client.ts';
import { createFleet, type Fleet } from '../../simulators/fleet.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const admin = 'admin-fleet-comeback-0123456789abcdef';

/**
 * The simulated district follows the registry: mqtt.js never retries a refused CONNECT, so a device
 * disabled and enabled again stayed away for the rest of `npm start`, and one disabled at the start
 * was never simulated at all.
 */
describe('the simulated fleet brings back a device once it is enabled again', () => {
  let live: TestPlatform;
  let fleet: Fleet | undefined;
  const post = (path: string) => fetch(`${live.endpoints.httpUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
  const readingsOf = (id: string) => live.countPoints('noise', `"device" = '${id}'`);

  beforeAll(async () => {
    live = await startTestPlatform({ http: { tokens: [{ role: 'admin', name: 'test.admin', token: admin }] } });
  });

  afterAll(async () => {
    await fleet?.close();
    await live?.close();
  });

  it('a device disabled while it reports, and one disabled before the fleet started, report again once enabled; a rotated one does not', async () => {
    const [first, second, third] = live.platform.registry.devices.filter((device) => device.family === 'noise').slice(0, 3).map((device) => device.id);
    expect((await post(`/api/v1/devices/${second}/disable`)).status).toBe(200);
    // As the platform's own fleet does (components/simulators.ts): who the key speaks for, and who the registry lets in now.
    const { devices, disabled } = await fleetKeyDevices(live.platform.registry.devices.filter((device) => [first, second, third].includes(device.id)), live.config.fleetKey);
    expect(disabled.map((device) => device.id)).toEqual([second]);
    const secretAtStart = new Map([...devices, ...disabled].map((device) => [device.id, device.secretHash]));
    const mayConnect = (id: string) => {
      const now = live.platform.registry.device(id);
      return now !== undefined && !now.disabled && now.secretHash === secretAtStart.get(id);
    };
    fleet = createFleet({ url: live.endpoints.mqttUrl, fleetKey: live.config.fleetKey, topics: live.topics, devices, waiting: disabled, mayConnect, comebackMs: 200, seed: 5, log: createLogger('silent'), intervalMs: 100 });
    await fleet.start();
    await vi.waitFor(async () => expect(await readingsOf(first!)).toBeGreaterThan(0), { timeout: 20_000 });

    // Disabled while reporting: refused at its reconnect, and away.
    expect((await post(`/api/v1/devices/${first}/disable`)).status).toBe(200);
    await vi.waitFor(() => expect(live.platform.ingest.presence.isOnline(first!)).toBe(false), { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await live.platform.ingest.drain();
    const whileDisabled = await readingsOf(first!);
    expect(await readingsOf(second!)).toBe(0);

    // Enabled again: both come back and report, without a restart of the fleet.
    expect((await post(`/api/v1/devices/${first}/enable`)).status).toBe(200);
    expect((await post(`/api/v1/devices/${second}/enable`)).status).toBe(200);
    await vi.waitFor(async () => {
      await live.platform.ingest.drain();
      expect(await readingsOf(first!)).toBeGreaterThan(whileDisabled);
      expect(await readingsOf(second!)).toBeGreaterThan(0);
    }, { timeout: 20_000, interval: 200 });
    expect(live.platform.ingest.presence.isOnline(first!)).toBe(true);
    expect(live.platform.ingest.presence.isOnline(second!)).toBe(true);

    // Rotated: a secret the key does not derive; the fleet lets it be rather than fail its login again and again.
    const failuresBefore = await live.metric('wanxiang_auth_failures_total');
    expect((await post(`/api/v1/devices/${third}/rotate`)).status).toBe(200);
    await vi.waitFor(() => expect(live.platform.ingest.presence.isOnline(third!)).toBe(false), { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // One refused login (its reconnect after the rotation's disconnect), then none while the fleet waits.
    expect(await live.metric('wanxiang_auth_failures_total')).toBeLessThanOrEqual(failuresBefore + 1);
    expect(fleet.stats().connected).toBe(2);
  });
});
