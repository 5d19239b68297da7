import { BEIJING_ZONE_SUFFIX, beijingWallClock } from '../standards/beijing-time.ts';

/**
 * An instant echoed as the user typed it: Beijing time with its offset, `2025-03-01T00:00+08:00`
 * (issue 19, item 7: a date typed in Beijing time came back as 2025-02-28T16:00:00.000Z).
 * Seconds only when there are any.
 */
export function beijingEcho(timeMs: number): string {
  const local = beijingWallClock(timeMs);
  const seconds = local.slice(16, 23) === ':00.000' ? '' : local.slice(16, local.endsWith('.000') ? 19 : 23);
  return `${local.slice(0, 16)}${seconds}${BEIJING_ZONE_SUFFIX}`;
}
