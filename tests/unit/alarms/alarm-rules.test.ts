import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import { loadAlarmRules, parseAlarmRules } from '../../../services/alarms/load-rules.ts';
import { parseConfig } from '../../../services/config.ts';
import { createLogger } from '../../../services/log.ts';
import { createPlatform } from '../../../services/platform.ts';

const seed = new URL('../../../seeds/alarm-rules.json', import.meta.url).pathname;

describe('the alarm rules seed', () => {
  it('validates, carries a version and covers every rule issue 8 asks for', async () => {
    const file = await loadAlarmRules(seed);
    expect(file.version).toBe(1);
    expect(new Set(file.rules.map((rule) => rule.condition.kind))).toEqual(new Set([
      'aqi-realtime', 'hour-mean', 'aqi-day', 'water-target', 'load-run', 'noise-night', 'parking-full', 'silent', 'stuck',
      // Issue 25: the generic kinds the waterlogging and EV-charging rules are written in.
      'window-sum', 'field-above', 'field-is', 'street-share',
    ]));
  });

  it('refuses a bad rule file with every problem named', () => {
    const rule = {
      id: 'a', family: 'air', severity: 'warning', textZh: '{value}', textEn: '{limit}',
      condition: { kind: 'aqi-realtime', above: 150 }, debounce: 1, holdMs: 0,
    };
    const attempt = () => parseAlarmRules({
      version: 1,
      rules: [
        rule,
        { ...rule, textEn: 'no placeholder' },
        { ...rule, id: 'b', family: 'water' },
        { ...rule, id: 'c', condition: { kind: 'load-run', level: 'heavy' } },
        { ...rule, id: 'd', colour: 'red' },
      ],
    });
    expect(attempt).toThrow(expect.objectContaining({
      code: 'WX_ERR_SEED_INVALID',
      message: expect.stringMatching(/rules\.1\.textEn.*placeholder.*rules\.3\.condition.*forMs.*rules\.4.*colour.*rules\.1\.id.*duplicate.*rules\.2\.family/s),
    }));
  });

  it('stops a platform from starting with a bad rule file, before it listens', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-rules-'));
    const rulesFile = join(dataDir, 'rules.json');
    await writeFile(rulesFile, '{"version": 1, "rules": [');
    const config = parseConfig({
      dataDir, logLevel: 'silent', mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 },
      influx: { url: inject('influxUrl'), database: 'test_bad_rules' }, simulate: { enabled: false }, alarms: { rulesFile },
    });
    const platform = createPlatform(config, createLogger('silent'));
    try {
      await expect(platform.start()).rejects.toMatchObject({ code: 'WX_ERR_SEED_INVALID', message: expect.stringContaining('rules.json') });
    } finally {
      await platform.close();
      await platform.influx.query('DROP DATABASE "test_bad_rules"', { database: null });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
