import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../services/config-env.ts';
import { parseConfig } from '../../services/config.ts';

describe('the screen session setting', () => {
  it('lasts 30 days unless WX_SESSION_DAYS says otherwise', () => {
    expect(parseConfig({}).http.sessionDays).toBe(30);
    expect(configFromEnv({ WX_SESSION_DAYS: '90' }).http.sessionDays).toBe(90);
    expect(configFromEnv({ WX_SESSION_DAYS: '' }).http.sessionDays).toBe(30);
  });

  it('refuses a lifetime that is not a whole number of days from 1 to 400 (the browsers’ cookie cap)', () => {
    for (const days of ['0', '401', '1.5', 'week']) {
      expect(() => configFromEnv({ WX_SESSION_DAYS: days })).toThrow(expect.objectContaining({ code: 'WX_ERR_CONFIG', message: expect.stringContaining('http.sessionDays') }));
    }
  });
});
