import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

describe('each client event counted once, under its own code (issue 13, item 18)', () => {
  let live: TestPlatform;

  beforeAll(async () => {
    live = await startTestPlatform();
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
});
