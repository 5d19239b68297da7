import { describe, expect, it } from 'vitest';
import { createStationHolds } from '../../../services/hj212/station-holds.ts';

/** A station-holds whose over-bound calls and released frames are written down (real timers, a few ms). */
function recorded(maxHeld: number) {
  const overBound: boolean[] = [];
  const released: string[] = [];
  const holds = createStationHolds(maxHeld, (over) => overBound.push(over));
  const hold = (station: string, waitMs: number, name: string) => {
    const turn = holds.turnOf(station, waitMs);
    if (!turn) {
      released.push(name);
      return Promise.resolve();
    }
    return turn.then(() => void released.push(name));
  };
  return { holds, overBound, released, hold };
}

describe('HJ 212 frames held for their station\'s rate, one line a station (station-holds.ts)', () => {
  it('lets a station\'s frames go in the order they came, each after its wait, and another station\'s at once', async () => {
    const { holds, released, hold } = recorded(8);
    // A's waits as a token bucket in debt gives them, rounded: a later frame may come out no later than an earlier one.
    const a = [hold('A', 30, 'A1'), hold('A', 30, 'A2'), hold('A', 0, 'A3'), hold('A', 45, 'A4')];
    expect(holds.held('A')).toBe(4);
    await hold('B', 0, 'B1');
    expect(released).toEqual(['B1']);
    await Promise.all(a);
    // A3 had no wait of its own but came behind A1 and A2: it never overtakes them.
    expect(released).toEqual(['B1', 'A1', 'A2', 'A3', 'A4']);
    expect(holds.held('A')).toBe(0);
    // Its line gone, the station's next frame without a wait goes at once (no promise to await).
    expect(holds.turnOf('A', 0)).toBeUndefined();
  });

  it('says the connection is over its bound once one station holds more than maxHeld, and not once it holds maxHeld again', async () => {
    const { holds, overBound, hold } = recorded(2);
    const first = [hold('A', 20, 'A1'), hold('A', 20, 'A2')];
    // Another station holding frames of its own does not count towards A's bound.
    const other = hold('B', 20, 'B1');
    expect(overBound).toEqual([]);
    const third = hold('A', 60, 'A3');
    expect(overBound).toEqual([true]);
    expect(holds.held('A')).toBe(3);
    await Promise.all([...first, other]);
    expect(overBound).toEqual([true, false]);
    await third;
    expect(overBound).toEqual([true, false]);
  });

  it('at close lets every frame held go at once (the receiver then finds the socket gone), and any frame after', async () => {
    const { holds, released, hold } = recorded(1);
    const startedAt = Date.now();
    const waits = [hold('A', 60_000, 'A1'), hold('A', 60_000, 'A2'), hold('B', 60_000, 'B1')];
    holds.close();
    await Promise.all(waits);
    expect(released).toEqual(['A1', 'A2', 'B1']);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    await expect(holds.turnOf('A', 60_000)).resolves.toBeUndefined();
  });
});
