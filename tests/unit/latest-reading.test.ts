import { describe, expect, it } from 'vitest';
import { measuredByMs, replaces as supersedes } from '../../services/ingest/reading.ts';

const t0 = Date.UTC(2026, 11, 7, 12);
const reading = (timeMs: number, receivedAtMs: number) => ({ timeMs, receivedAtMs });

/** What /api/v1/live and the wall show of a device: the latest reading received, never one measured before it. */
describe('the latest reading (services/live/latest-reading.ts)', () => {
  it('a reading stamped ahead counts as measured when it was received, no later', () => {
    expect(measuredByMs(reading(t0 + 240_000, t0))).toBe(t0);
    expect(measuredByMs(reading(t0 - 2_000, t0))).toBe(t0 - 2_000);
  });

  it('the next reading stamped now takes the place of one stamped 4 minutes ahead (it froze the station)', () => {
    const ahead = reading(t0 + 240_000, t0);
    expect(supersedes(reading(t0 + 4_900, t0 + 5_000), ahead)).toBe(true);
    // Only a reading measured before the ahead one's receipt stays behind it: a backfill.
    expect(supersedes(reading(t0 - 60_000, t0 + 5_000), ahead)).toBe(false);
  });

  it('a backfilled or replayed reading never replaces a newer one; a repeat (the same stamp) does', () => {
    const shown = reading(t0, t0 + 100);
    expect(supersedes(reading(t0 - 3_600_000, t0 + 10_000), shown)).toBe(false);
    expect(supersedes(reading(t0, t0 + 150), shown)).toBe(true);
    expect(supersedes(reading(t0 + 5_000, t0 + 5_100), shown)).toBe(true);
  });

  it('between readings measured at the same moment (a batch stamped ahead, received together), the later stamp', () => {
    const later = reading(t0 + 61_000, t0);
    const earlier = reading(t0 + 60_000, t0);
    expect(supersedes(earlier, later)).toBe(false);
    expect(supersedes(later, earlier)).toBe(true);
  });
});
