import { describe, expect, it } from 'vitest';
import { viewFor, withoutInternals } from '../../services/api/internals-view.ts';

describe('withoutInternals', () => {
  it('keeps a path\'s file name and drops where it lies', () => {
    expect(withoutInternals('the registry /var/lib/wanxiang/devices.json is not valid JSON at line 3, column 9')).toBe('the registry devices.json is not valid JSON at line 3, column 9');
    expect(withoutInternals("ENOENT: no such file or directory, open '/data/spool/000001.seg'")).toBe("ENOENT: no such file or directory, open '000001.seg'");
    expect(withoutInternals("EACCES: permission denied, open '/srv/my data/c.json'")).toBe("EACCES: permission denied, open 'c.json'");
    expect(withoutInternals('cannot be read (/srv/data/c.json)')).toBe('cannot be read (c.json)');
    expect(withoutInternals('file=/tmp/x/y.ndjson,')).toBe('file=y.ndjson,');
    expect(withoutInternals('at C:\\ProgramData\\wanxiang\\fleet-key now')).toBe('at fleet-key now');
    expect(withoutInternals('/')).toBe('');
  });

  it('drops every URL, with or without credentials', () => {
    expect(withoutInternals('InfluxDB at http://influx.internal:8086/query?db=luohu failed')).toBe('InfluxDB at <url> failed');
    expect(withoutInternals('redis://:s3cret@cache:6379 and mqtt://user:pass@broker:1883')).toBe('<url> and <url>');
  });

  it('leaves a reason without paths as it is: dates, units, ratios, codes', () => {
    for (const text of ['the spool\'s disk is full since 2026-12-08T02:22:46.000Z: readings are refused', 'rain 12 mm/h, 2025/03, 3/4 of the hours', 'WX_ERR_DISK_LOW: 9.5 % free (1024 bytes)', 'devices.3.lat: Too big']) {
      expect(withoutInternals(text)).toBe(text);
    }
  });
});

describe('viewFor', () => {
  const value = { status: 'degraded', problems: [{ code: 'WX_ERR_FILE', message: 'the registry /etc/wx/devices.json cannot be read' }], influxUrl: 'http://admin:pw@influx:8086', n: 3, ok: true, none: null };

  it('shows an operator the paths and URLs, never a URL\'s userinfo', () => {
    expect(viewFor(value, true)).toEqual({ ...value, influxUrl: 'http://***@influx:8086' });
  });

  it('shows anyone else the verdicts and reasons without them', () => {
    expect(viewFor(value, false)).toEqual({ ...value, problems: [{ code: 'WX_ERR_FILE', message: 'the registry devices.json cannot be read' }], influxUrl: '<url>' });
  });
});
