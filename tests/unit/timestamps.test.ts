import { describe, expect, it } from 'vitest';
import { resolveTimestamp } from '../../services/ingest/timestamps.ts';

const receivedAtMs = Date.UTC(2026, 10, 26, 2, 0, 0);
const limits = { maxFutureMs: 300_000, maxAgeMs: 7 * 86_400_000 };

describe('device timestamps', () => {
  it.each([
    ['epoch milliseconds', receivedAtMs - 1_000, receivedAtMs - 1_000],
    ['epoch seconds', (receivedAtMs - 1_000) / 1_000, receivedAtMs - 1_000],
    ['fractional epoch seconds', (receivedAtMs - 1_500) / 1_000, receivedAtMs - 1_500],
    ['ISO 8601 in UTC', '2026-11-26T01:59:59Z', receivedAtMs - 1_000],
    ['ISO 8601 in Beijing time', '2026-11-26T09:59:59+08:00', receivedAtMs - 1_000],
    ['ISO 8601 with a compact offset', '2026-11-26T09:59:59.250+0800', receivedAtMs - 750],
    ['no timestamp (receive time)', undefined, receivedAtMs],
  ])('reads %s', (_name, raw, expected) => {
    expect(resolveTimestamp(raw, receivedAtMs, limits)).toEqual({ ok: true, timeMs: expected });
  });

  it.each([
    ['a date without a zone', '2026-11-26T09:59:59', 'WX_ERR_BAD_TIMESTAMP'],
    ['free text', 'yesterday', 'WX_ERR_BAD_TIMESTAMP'],
    ['a boolean', true, 'WX_ERR_BAD_TIMESTAMP'],
    ['a negative number', -5, 'WX_ERR_BAD_TIMESTAMP'],
    ['an impossible date', '2026-13-45T00:00:00Z', 'WX_ERR_BAD_TIMESTAMP'],
    ['ten minutes ahead', receivedAtMs + 600_000, 'WX_ERR_TIME_IN_FUTURE'],
    ['eight days old', receivedAtMs - 8 * 86_400_000, 'WX_ERR_TIME_TOO_OLD'],
  ])('refuses %s', (_name, raw, code) => {
    expect(resolveTimestamp(raw, receivedAtMs, limits)).toMatchObject({ ok: false, code });
  });
});
