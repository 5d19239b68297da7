import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

describe('each client event counted once, under its own code (issue 13, item 18)', () => {
  let live: TestPlatform;
  const logLines: string[] = [];

  beforeAll(async () => {
    live = await startTestPlatform({}, { logLines });
  });

  afterAll(async () => {
    await live?.close();
  });

  const errors = async () => {
    const metric = live.platform.metrics.registry.getSingleMetric('wanxiang_mqtt_client_errors_total');
    const { values } = await metric!.get();
    return Object.fromEntries(values.map((value) => [String(value.labels.code), value.value]));
  };

  it('a refused login is an auth failure, not also a protocol error', async () => {
    const before = await live.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_BAD_CREDENTIALS' });
    await expect(mqtt.connectAsync(live.endpoints.mqttUrl, { username: 'air-guiyuan', password: 'wrong', clientId: 'air-guiyuan', reconnectPeriod: 0 })).rejects.toThrow();
    await vi.waitFor(async () => expect(await live.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_BAD_CREDENTIALS' })).toBe(before + 1));
    expect(await errors()).toEqual({});
  });

  it('a client-id takeover is counted once as WX_ERR_SESSION_TAKEOVER', async () => {
    const device = live.device('air-huangbei');
    const options = { username: device.id, password: simulatedDeviceSecret(live.config.fleetKey, device.id), clientId: `${device.id}-same`, reconnectPeriod: 0 };
    const first = await mqtt.connectAsync(live.endpoints.mqttUrl, options);
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await mqtt.connectAsync(live.endpoints.mqttUrl, options);
    await closed;
    await vi.waitFor(async () => expect(await errors()).toEqual({ WX_ERR_SESSION_TAKEOVER: 1 }));
    await second.endAsync();
    first.end(true);
  });

  it('takeovers in a loop are each counted, but said once a minute per client id (503 warn lines in seconds, red team 4)', async () => {
    const device = live.device('air-dongmen');
    const options = { username: device.id, password: simulatedDeviceSecret(live.config.fleetKey, device.id), clientId: `${device.id}-loop`, reconnectPeriod: 0 };
    const sessions = [await mqtt.connectAsync(live.endpoints.mqttUrl, options)];
    for (let k = 0; k < 5; k += 1) {
      const closed = new Promise<void>((resolve) => sessions.at(-1)!.once('close', () => resolve()));
      sessions.push(await mqtt.connectAsync(live.endpoints.mqttUrl, options));
      await closed;
    }
    await vi.waitFor(async () => expect((await errors()).WX_ERR_SESSION_TAKEOVER).toBe(6));
    expect(logLines.filter((line) => line.includes('WX_ERR_SESSION_TAKEOVER') && line.includes('air-dongmen-loop'))).toHaveLength(1);
    for (const session of sessions) session.end(true);
  });
});
