import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../../services/config-env.ts';

describe('alarm configuration from the environment', () => {
  it('reads the rules file and the webhooks (style:url, comma-separated)', () => {
    const config = configFromEnv({
      WX_ALARM_RULES_FILE: 'my-rules.json',
      WX_ALARM_WEBHOOKS: 'robot:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc,json:http://127.0.0.1:8080/alarms',
    });
    expect(config.alarms.rulesFile).toBe('my-rules.json');
    expect(config.alarms.webhooks).toEqual([
      { style: 'robot', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc' },
      { style: 'json', url: 'http://127.0.0.1:8080/alarms' },
    ]);
    expect(configFromEnv({}).alarms).toMatchObject({ enabled: true, rulesFile: 'seeds/alarm-rules.json', webhooks: [] });
  });

  it('refuses a webhook of an unknown style or with no URL, naming it', () => {
    expect(() => configFromEnv({ WX_ALARM_WEBHOOKS: 'pager:https://example.org/x,json:' })).toThrow(expect.objectContaining({
      code: 'WX_ERR_CONFIG',
      message: expect.stringMatching(/alarms\.webhooks\.0\.style.*alarms\.webhooks\.1\.url/s),
    }));
  });
});
