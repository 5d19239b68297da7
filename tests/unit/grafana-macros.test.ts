import { describe, expect, it } from 'vitest';
import { expandQuery, grafanaInterval, panelRange, timeFilter } from '../helpers/grafana-macros.ts';

const range = { fromMs: 1_700_000_000_000, toMs: 1_700_000_000_000 + 2 * 86_400_000 };

describe("Grafana's InfluxQL interpolation, as the query test applies it", () => {
  it('writes $timeFilter as an absolute range in ms, and $__interval/$interval as a rounded step', () => {
    expect(timeFilter(range)).toBe('time >= 1700000000000ms and time <= 1700172800000ms');
    expect(grafanaInterval(range)).toBe('5m'); // 2 days over ~1000 points: 172.8 s, rounded up
    expect(grafanaInterval({ fromMs: 0, toMs: 3_600_000 })).toBe('5s');
    expect(expandQuery('SELECT mean("x") FROM "m" WHERE $timeFilter GROUP BY time($__interval), time($interval)', range, {})).toBe(
      'SELECT mean("x") FROM "m" WHERE time >= 1700000000000ms and time <= 1700172800000ms GROUP BY time(5m), time(5m)',
    );
  });

  it('fills a regex with (a|b) for several values or All, one value bare, each escaped', () => {
    const variables = {
      street: { selection: '$__all' as const, allValues: ['dongmen', 'guiyuan'] },
      station: { selection: ['air-a.b'], allValues: ['air-a.b', 'air-c'] },
      substation: { selection: ['buxin', 'hubei'], allValues: ['buxin', 'hubei', 'liyuan'] },
    };
    expect(expandQuery('WHERE "street" =~ /^$street$/ AND "device" =~ /^$station$/ AND "substation" =~ /^$substation$/', range, variables)).toBe(
      'WHERE "street" =~ /^(dongmen|guiyuan)$/ AND "device" =~ /^air-a\\.b$/ AND "substation" =~ /^(buxin|hubei)$/',
    );
    expect(expandQuery('${street} [[street]]', range, variables)).toBe('(dongmen|guiyuan) (dongmen|guiyuan)');
  });

  it('refuses to leave a macro or variable it does not know', () => {
    expect(() => expandQuery('WHERE "x" =~ /^$unknown$/', range, {})).toThrow(/\$unknown/);
  });

  it("takes a panel's relative time: now/y as the year so far in Beijing, now-Nd as N days", () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(panelRange(range, 'now/y', now)).toEqual({ fromMs: Date.parse('2026-01-01T00:00:00+08:00'), toMs: now });
    expect(panelRange(range, undefined, now)).toBe(range);
    expect(panelRange(range, 'now-90d', now)).toEqual({ fromMs: now - 90 * 86_400_000, toMs: now });
    expect(() => panelRange(range, 'now/w', now)).toThrow(/not handled/);
  });
});
