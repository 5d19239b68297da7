import type { DeviceState } from './device-state.ts';

/**
 * The stream's delta format (issue 21 item 5: "updates that touch only what changed"). The server
 * keeps one published picture per device — what every `format=delta` client holds after the last
 * event — and each new reading goes out as what differs from it:
 *
 *   [id, dtMs]                        a reading with the same values and state (its receipt still counts: freshness)
 *   [id, dtMs, values]                the values that changed (a key that disappeared is `null`)
 *   [id, dtMs, values | 0, state]     the state's keys that changed too (a load % moves, its band stays)
 *   [id, dtMs, values | 0, state, 1]  the state whole, replacing the old one (its keys are not the same)
 *
 * dtMs is the reading's time less the event's base `t` (epoch ms). The picture is global, never
 * per client: every client is sent the same events in the same order (the ring replays them on
 * Last-Event-ID), and a client that connects or cannot resume is sent the whole picture first (`sync`).
 */
type ValueChanges = Record<string, number | null>;
export type DeltaItem = readonly [string, number, ...([] | [ValueChanges] | [ValueChanges | 0, Partial<DeviceState>] | [ValueChanges | 0, DeviceState, 1])];

/**
 * One device in a `sync` event: [id, dtMs, values, state, ageMs, gapMs] (ageMs since it was measured:
 * its stamp, its receipt when stamped ahead; gapMs between the receipts of its last two readings, null until two came: the page
 * judges lateness by it, services/live/freshness.ts judgedIntervalMs).
 */
export type SyncItem = readonly [string, number, Readonly<Record<string, number>>, DeviceState, number, number | null];

interface Published {
  values: Readonly<Record<string, number>>;
  state: DeviceState;
  stateText: string;
  timeMs: number;
  receivedAtMs: number;
}

export interface DeltaBook {
  /** The delta of a device's newest reading against what was last published, which it then becomes. */
  take(id: string, reading: { timeMs: number; receivedAtMs: number; values: Readonly<Record<string, number>> }, state: DeviceState, baseMs: number): DeltaItem;
  /** The published picture of the devices `wanted` accepts, as of `atMs`, with each one's last gap (`gapOf`). */
  sync(wanted: (id: string) => boolean, atMs: number, gapOf?: (id: string) => number | null): { t: number; d: SyncItem[] };
  /** A device whose published picture no longer stands (gone from the registry, or of another family now). */
  forget(id: string): void;
}

function changedValues(before: Readonly<Record<string, number>> | undefined, after: Readonly<Record<string, number>>): Record<string, number | null> | null {
  const changed: Record<string, number | null> = {};
  let any = false;
  for (const [key, value] of Object.entries(after)) if (before?.[key] !== value) { changed[key] = value; any = true; }
  if (before) for (const key of Object.keys(before)) if (!(key in after)) { changed[key] = null; any = true; }
  return any ? changed : null;
}

/** The state's keys whose value changed, or null when the key sets differ (then the state goes whole). */
function changedState(before: DeviceState, after: DeviceState): Partial<DeviceState> | null {
  const beforeKeys = Object.keys(before);
  const afterKeys = Object.keys(after);
  if (beforeKeys.length !== afterKeys.length || afterKeys.some((key) => !(key in before))) return null;
  const changed: Record<string, unknown> = {};
  for (const key of afterKeys) {
    const a = (before as unknown as Record<string, unknown>)[key];
    const b = (after as unknown as Record<string, unknown>)[key];
    if (a !== b && JSON.stringify(a) !== JSON.stringify(b)) changed[key] = b;
  }
  return changed as Partial<DeviceState>;
}

export function createDeltaBook(): DeltaBook {
  const published = new Map<string, Published>();
  return {
    take(id, reading, state, baseMs) {
      const before = published.get(id);
      const stateText = JSON.stringify(state);
      const values = changedValues(before?.values, reading.values);
      const stateChanged = before?.stateText !== stateText;
      published.set(id, { values: reading.values, state, stateText, timeMs: reading.timeMs, receivedAtMs: reading.receivedAtMs });
      const dt = reading.timeMs - baseMs;
      if (stateChanged) {
        const changes = before ? changedState(before.state, state) : null;
        return changes ? [id, dt, values ?? 0, changes] : [id, dt, values ?? 0, state, 1];
      }
      return values ? [id, dt, values] : [id, dt];
    },
    sync(wanted, atMs, gapOf = () => null) {
      const d: SyncItem[] = [];
      let t = 0;
      for (const [id, entry] of published) {
        if (!wanted(id)) continue;
        if (d.length === 0) t = entry.timeMs;
        d.push([id, entry.timeMs - t, entry.values, entry.state, Math.max(0, atMs - Math.min(entry.timeMs, entry.receivedAtMs)), gapOf(id)]);
      }
      return { t, d };
    },
    forget(id) {
      published.delete(id);
    },
  };
}
