import { describe, expect, it } from 'vitest';
import { freshnessAfter, judgedIntervalMs } from '../../services/live/freshness.ts';

const minute = 60_000;

/**
 * The seeded air stations register 5 minutes (as real ones send, for coverage); the demo fleet's
 * report every 5 s. Judged by the registered interval alone, a stopped demo station went grey only
 * after 10 minutes (found when issue 22's registered intervals met issue 21's wall tests).
 */
describe('the interval the wall judges a device late by', () => {
  it('is the registered one, unless the device shows it reports more often, never below its family\'s', () => {
    const station = { family: 'air' as const, reportIntervalMs: 5 * minute };
    expect(judgedIntervalMs(station, undefined)).toBe(5 * minute);
    expect(judgedIntervalMs(station, 5_000)).toBe(minute); // the air family's 1 min, not 5 s
    expect(judgedIntervalMs(station, 5 * minute)).toBe(5 * minute);
    expect(judgedIntervalMs(station, 60 * minute)).toBe(5 * minute); // a gap after an outage does not stretch it
    expect(judgedIntervalMs({ family: 'air' as const }, 5_000)).toBe(minute); // none registered: the family's, as before
    expect(judgedIntervalMs({ family: 'noise' as const, reportIntervalMs: minute }, 5_000)).toBe(minute);
    // A demo station quiet for 2.5 minutes is late (it was fresh under 5 minutes), for 3.5 silent.
    expect(freshnessAfter(judgedIntervalMs(station, 5_000), 3.5 * minute)).toBe('silent');
    expect(freshnessAfter(judgedIntervalMs(station, 5_000), 2.5 * minute)).toBe('late');
  });
});
