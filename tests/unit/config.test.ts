import { describe, expect, it } from 'vitest';
import { configFromEnv, parseConfig } from '../../services/config.ts';

describe('configuration', () => {
  it('runs locally with defaults', () => {
    const config = parseConfig({});
    expect(config.mqtt.port).toBe(1883);
    expect(config.http.port).toBe(3000);
    expect(config.influx.url).toBeUndefined();
  });

  it('reads the environment, and flags win over it', () => {
    const config = configFromEnv({ INFLUX_URL: 'http://db:8086', WX_MQTT_PORT: '1999', WX_SIMULATE: '0' }, { mqtt: { port: 2000 } });
    expect(config.influx.url).toBe('http://db:8086');
    expect(config.mqtt.port).toBe(2000);
    expect(config.simulate.enabled).toBe(false);
  });

  it('fails at start with every problem named, unknown keys included', () => {
    expect(() => parseConfig({ mqtt: { port: 70_000 }, http: { port: 'x' }, colour: 'red' })).toThrow(
      expect.objectContaining({ code: 'WX_ERR_CONFIG', message: expect.stringMatching(/mqtt\.port.*http\.port.*colour|colour.*mqtt\.port/s) }),
    );
  });
});
