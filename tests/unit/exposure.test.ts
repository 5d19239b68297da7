import { describe, expect, it } from 'vitest';
import { assertSafeExposure } from '../../services/config-exposure.ts';
import { configFromEnv } from '../../services/config-env.ts';
import { defaultFleetKey } from '../../services/config.ts';

const tokens = 'admin:aaaaaaaaaaaaaaaaaaaa,operator:bbbbbbbbbbbbbbbbbbbb';

describe('secure by default (issue 13, item 22)', () => {
  it('listens on loopback unless told otherwise', () => {
    const config = configFromEnv({});
    expect(config.mqtt.host).toBe('127.0.0.1');
    expect(config.http.host).toBe('127.0.0.1');
    expect(() => assertSafeExposure(config)).not.toThrow();
  });

  it('refuses MQTT beyond loopback with the development fleet key, naming the settings', () => {
    const config = configFromEnv({ WX_MQTT_HOST: '0.0.0.0', WX_API_TOKENS: tokens });
    expect(config.fleetKey).toBe(defaultFleetKey);
    expect(() => assertSafeExposure(config)).toThrow(expect.objectContaining({ code: 'WX_ERR_INSECURE_LISTEN', message: expect.stringMatching(/WX_FLEET_KEY.*WX_ALLOW_INSECURE_DEMO=1/) }));
  });

  it('refuses the API beyond loopback without admin and operator tokens, even with a fleet key of its own', () => {
    const config = configFromEnv({ WX_HTTP_HOST: '0.0.0.0', WX_FLEET_KEY: 'a-key-of-this-installation-32-chars-long', WX_API_TOKENS: 'admin:aaaaaaaaaaaaaaaaaaaa' });
    expect(() => assertSafeExposure(config)).toThrow(expect.objectContaining({ code: 'WX_ERR_INSECURE_LISTEN', message: expect.stringMatching(/without a token for operator: set WX_API_TOKENS/) }));
  });

  it('allows the network with a fleet key of its own and both tokens, or with the explicit demo opt-in', () => {
    expect(() => assertSafeExposure(configFromEnv({ WX_MQTT_HOST: '0.0.0.0', WX_HTTP_HOST: '::', WX_FLEET_KEY: 'a-key-of-this-installation-32-chars-long', WX_API_TOKENS: tokens }))).not.toThrow();
    expect(() => assertSafeExposure(configFromEnv({ WX_MQTT_HOST: '0.0.0.0', WX_HTTP_HOST: '0.0.0.0', WX_ALLOW_INSECURE_DEMO: '1' }))).not.toThrow();
  });

  it('refuses a fleet key shorter than 32 characters beyond loopback (issue 18, item 17)', () => {
    expect(() => assertSafeExposure(configFromEnv({ WX_MQTT_HOST: '0.0.0.0', WX_FLEET_KEY: 'password', WX_API_TOKENS: tokens }))).toThrow(expect.objectContaining({ code: 'WX_ERR_INSECURE_LISTEN', message: expect.stringMatching(/32 characters or more/) }));
    expect(() => assertSafeExposure(configFromEnv({ WX_FLEET_KEY: 'password' }))).not.toThrow();
  });

  it('refuses .env.example\'s placeholder tokens beyond loopback unless the demo opt-in says so (red team 9)', () => {
    const example = 'admin:change-me-admin-token-0001,operator:change-me-operator-token-01';
    const key = 'a-key-of-this-installation-32-chars-long';
    expect(() => assertSafeExposure(configFromEnv({ WX_HTTP_HOST: '0.0.0.0', WX_FLEET_KEY: key, WX_API_TOKENS: example }))).toThrow(expect.objectContaining({ code: 'WX_ERR_INSECURE_LISTEN', message: expect.stringMatching(/placeholder token for admin, operator/) }));
    expect(() => assertSafeExposure(configFromEnv({ WX_HTTP_HOST: '0.0.0.0', WX_FLEET_KEY: key, WX_API_TOKENS: example, WX_ALLOW_INSECURE_DEMO: '1' }))).not.toThrow();
    expect(() => assertSafeExposure(configFromEnv({ WX_FLEET_KEY: key, WX_API_TOKENS: example }))).not.toThrow();
  });
});
