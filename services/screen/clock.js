// The platform's clock, as the wall reads it. Every time the wall shows (the header's Beijing
// clock, "updated HH:MM:SS", "data as of", an alarm's date) and every age it counts is of this
// clock, not the browser's: an operations centre's PC without a time server (the wall needs no
// internet) 30 minutes slow showed "20:33" beside an alarm opened at "20:56" (red team 11).
let offsetMs = 0;

/** Now, on the platform's clock (the browser's until the first answer has said otherwise). */
export const serverNow = () => Date.now() + offsetMs;

/** A time of the browser's clock (a relative timer's) on the platform's. */
export const onServerClock = (browserMs) => browserMs + offsetMs;

/**
 * Learns the platform's clock from an answer stamped `serverMs` (its generatedAt), asked at
 * `sentMs` and answered at `answeredMs` on the browser's clock: the stamp is taken as of the
 * middle of the round trip.
 */
export function learnServerClock(serverMs, sentMs, answeredMs) {
  // Whole milliseconds: a time sent to the API as epoch ms must be an integer (a half, from the
  // round trip's middle, made the alarm history's `from` refused, half the time).
  if (Number.isFinite(serverMs)) offsetMs = Math.round(serverMs - (sentMs + answeredMs) / 2);
}
