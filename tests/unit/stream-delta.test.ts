import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../services/live/device-state.ts';
import { createDeltaBook } from '../../services/live/stream-delta.ts';

// The page's half of the format: plain JavaScript served to the browser as is (no types: loaded by path).
type Devices = Map<string, Record<string, unknown>>;
const pageModule = '../../services/screen/stream-delta.js';
const { applyDeltaItem, applySync, mergeTiles } = (await import(pageModule)) as {
  applyDeltaItem(devices: Devices, base: number, item: unknown, receivedAt: number): Record<string, unknown> | null;
  applySync(devices: Devices, picture: unknown, receivedAt: number): string[];
  mergeTiles<T extends { id: string }>(tiles: T[], changed: T[]): T[];
};

const states: DeviceState[] = [
  { severity: 0, colour: '#2fbf71', label: 'load-normal', value: 27.607341641309834, limit: 80 },
  { severity: 2, colour: '#f2994a', label: 'load-heavy', value: 81.5, limit: 80 },
  { severity: 0, colour: '#5b6b7f', label: 'no-data', value: null, limit: null },
  { severity: 2, colour: '#eb5757', label: 'noise-day-over', value: 71, limit: 70, limits: { day: 70, night: 55 } },
];

/** A seeded generator (mulberry32): the same sequence every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Issue 21 item 5: whatever sequence of readings the server sends as deltas, the page rebuilds the
 * very values, state and time the full format would have given it; a late joiner's sync does too.
 */
describe('the stream’s delta format, server and page together', () => {
  it('rebuilds every reading exactly, over thousands of random changes', () => {
    const next = random(21);
    const book = createDeltaBook();
    const page = new Map<string, Record<string, unknown>>();
    const truth = new Map<string, { values: Record<string, number>; state: DeviceState; time: string }>();
    const ids = ['grid-a', 'grid-b', 'noise-c', 'air-d'];
    for (const id of ids) page.set(id, { id, values: {}, state: states[2], time: null, receivedMs: null });
    let timeMs = Date.UTC(2026, 11, 5, 12);
    for (let tick = 0; tick < 2_000; tick += 1) {
      const chosen = ids.filter(() => next() < 0.5);
      let base: number | undefined;
      const items = [];
      for (const id of chosen) {
        timeMs += Math.floor(next() * 1_000);
        const values: Record<string, number> = {};
        for (const key of ['a', 'b', 'c']) if (next() < 0.8) values[key] = next() < 0.5 ? 1 : Math.round(next() * 100) / 10;
        const state = states[Math.floor(next() * states.length)]!;
        base ??= timeMs;
        items.push(book.take(id, { timeMs, receivedAtMs: timeMs + 5, values }, state, base));
        truth.set(id, { values, state, time: new Date(timeMs).toISOString() });
      }
      // Through JSON, as on the wire.
      const event = JSON.parse(JSON.stringify({ t: base, d: items })) as { t: number; d: unknown[] };
      for (const item of event.d) applyDeltaItem(page, event.t, item, 1);
      for (const id of chosen) expect(page.get(id)).toMatchObject(truth.get(id)!);
    }
    // A page that joins now is given the same picture by a sync.
    const late = new Map(ids.map((id) => [id, { id } as Record<string, unknown>]));
    const picture = JSON.parse(JSON.stringify(book.sync(() => true, timeMs + 1_000))) as { t: number; d: unknown[] };
    applySync(late, picture, 10_000);
    for (const [id, expected] of truth) {
      expect(late.get(id)).toMatchObject(expected);
      // Aged from the measurement (received 5 ms after it): what a sync and /live count freshness from.
      expect(late.get(id)!.receivedMs).toBe(10_000 - (timeMs + 1_000 - Date.parse(expected.time)));
    }
  });

  it('sends an unchanged reading as its id and time only, and merges changed tiles by id', () => {
    const book = createDeltaBook();
    const reading = { timeMs: 1_000, receivedAtMs: 1_001, values: { a: 1, b: 2 } };
    expect(book.take('x', reading, states[0]!, 1_000)).toEqual(['x', 0, { a: 1, b: 2 }, states[0], 1]);
    expect(book.take('x', { ...reading, timeMs: 2_000 }, states[0]!, 1_500)).toEqual(['x', 500]);
    expect(book.take('x', { ...reading, timeMs: 3_000, values: { a: 1, b: 3 } }, { ...states[0]!, value: 30 }, 3_000)).toEqual(['x', 0, { b: 3 }, { value: 30 }]);
    const tiles = [{ id: 'pm25', value: 1 }, { id: 'parking', value: 2 }];
    expect(mergeTiles(tiles, [{ id: 'parking', value: 3 }])).toEqual([{ id: 'pm25', value: 1 }, { id: 'parking', value: 3 }]);
  });
});
