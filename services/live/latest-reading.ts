import { measuredByMs } from '../ingest/reading.ts';

/** A device's newest accepted reading as the live view keeps it (seeded from InfluxDB at start). */
export interface LatestReading {
  readonly timeMs: number;
  readonly receivedAtMs: number;
  readonly values: Readonly<Record<string, number>>;
}

type Stamped = Pick<LatestReading, 'timeMs' | 'receivedAtMs'>;

/**
 * Whether `next` takes the place of `shown` as its device's latest reading (what /api/v1/live and
 * the wall show). The wall shows the latest reading received, unless it was measured before the
 * one shown (a logger's backfill, a replay: stored, never shown over what came after it). A
 * reading stamped ahead counts only as new as its receipt: counted by its stamp, one reading 5 min
 * ahead froze a station reporting every 5 s at its value, and greyed it as silent on the wall,
 * until its clock caught up (red team 11). Between two measured at the same moment (a batch
 * stamped ahead, received together; a QoS 1 repeat), the later stamp.
 */
export function supersedes(next: Stamped, shown: Stamped): boolean {
  const nextMs = measuredByMs(next);
  const shownMs = measuredByMs(shown);
  return nextMs > shownMs || (nextMs === shownMs && next.timeMs >= shown.timeMs);
}
