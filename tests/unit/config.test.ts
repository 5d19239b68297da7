import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../services/config-env.ts';
import { mergeConfigInput, parseConfig } from '../../services/config.ts';

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

  it('an array override replaces the configured list whole (red team 6: backfill refused WX_ALARM_WEBHOOKS, "expected array, received object")', () => {
    const config = configFromEnv({ WX_ALARM_WEBHOOKS: 'json:http://127.0.0.1:9/alarm,robot:http://127.0.0.1:9/robot' }, { alarms: { enabled: false, webhooks: [] } });
    expect(config.alarms.webhooks).toEqual([]);
    const one = configFromEnv({ WX_ALARM_WEBHOOKS: 'json:http://127.0.0.1:9/a,json:http://127.0.0.1:9/b' }, { alarms: { webhooks: [{ style: 'robot', url: 'http://127.0.0.1:9/c' }] } });
    expect(one.alarms.webhooks).toEqual([{ style: 'robot', url: 'http://127.0.0.1:9/c' }]);
    expect(mergeConfigInput({ list: [1, 2, 3], keep: { a: 1 } }, { list: [4], keep: { b: 2 } })).toEqual({ list: [4], keep: { a: 1, b: 2 } });
    expect(mergeConfigInput({ list: [1, 2] }, { list: { 0: 9 } })).toEqual({ list: { 0: 9 } });
  });

  it('fails at start with every problem named, unknown keys included', () => {
    expect(() => parseConfig({ mqtt: { port: 70_000 }, http: { port: 'x' }, colour: 'red' })).toThrow(
      expect.objectContaining({ code: 'WX_ERR_CONFIG', message: expect.stringMatching(/mqtt\.port.*http\.port.*colour|colour.*mqtt\.port/s) }),
    );
  });
});
