import type { Logger } from 'pino';

/** Changes of a journalled store, followed until each is kept: on disk in its journal, or in InfluxDB. */
export interface DurableOrder {
  /**
   * A change just journalled (its append made) and queued for InfluxDB as `line`: `then` runs once
   * it is kept and after the `then` of every change tracked before it.
   */
  track(line: string, then?: () => void): void;
  /** The writer's word (its onWritten) that InfluxDB has stored these lines. */
  written(lines: readonly string[]): void;
}

interface Slot {
  readonly line: string;
  readonly then: (() => void) | undefined;
  kept: boolean;
}

/**
 * What must wait until a change is kept (a department told of a dispatch, an alarm webhook): a
 * crash between the telling and the journal's flush told of a change that was gone at the restart.
 * A change is kept once the journal flush that holds it succeeds (`persisted()` right after its
 * append: write-journal.ts), or once InfluxDB has stored it. A flush the disk refused keeps its
 * lines for the next one, so the next flush that succeeds keeps every change before it too (or
 * InfluxDB had them: only then does the journal let refused lines go). What waits goes in the
 * order the changes were made, never one before an earlier one that is not yet kept.
 */
export function createDurableOrder(deps: { persisted: () => Promise<void>; log: Logger }): DurableOrder {
  const waiting: Slot[] = [];
  const byLine = new Map<string, Slot>();

  function release(): void {
    while (waiting[0]?.kept) {
      const slot = waiting.shift()!;
      byLine.delete(slot.line);
      try {
        slot.then?.();
      } catch (error) {
        deps.log.error({ err: error }, 'work waiting for a kept change failed');
      }
    }
  }

  return {
    track(line, then) {
      const slot: Slot = { line, then, kept: false };
      waiting.push(slot);
      byLine.set(line, slot);
      // Refused: the slot waits for a later flush that succeeds, or for InfluxDB.
      deps.persisted().then(() => {
        const upTo = waiting.indexOf(slot);
        for (let i = 0; i <= upTo; i += 1) waiting[i]!.kept = true;
        release();
      }, () => undefined);
    },
    written(lines) {
      for (const line of lines) {
        const slot = byLine.get(line);
        if (slot) slot.kept = true;
      }
      release();
    },
  };
}
