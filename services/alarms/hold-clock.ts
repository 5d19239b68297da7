import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replaceFileDurably } from '../durable-file.ts';
import type { Logger } from 'pino';

/**
 * When each open alarm's condition cleared, kept on disk (issue 21, "hold times restart"): an
 * alarm whose condition cleared closes its hold time after the clearing, not after the last
 * restart. One small JSON file, rewritten (write + rename) after each change, a write at a time.
 */
export interface HoldClock {
  start(): Promise<void>;
  close(): Promise<void>;
  /** When the alarm's condition cleared, if it has and has not come back. */
  clearedAt(alarmId: string): number | undefined;
  cleared(alarmId: string, atMs: number): void;
  /** The condition came back, or the alarm closed: its hold time is no longer running. */
  forget(alarmId: string): void;
}

export function createHoldClock(deps: { readonly path: string; readonly log: Logger }): HoldClock {
  const cleared = new Map<string, number>();
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;

  const save = () => {
    dirty = true;
    writing = writing.then(async () => {
      if (!dirty) return;
      dirty = false;
      const text = JSON.stringify(Object.fromEntries(cleared));
      try {
        await mkdir(dirname(deps.path), { recursive: true });
        await replaceFileDurably(deps.path, text);
      } catch (error) {
        deps.log.warn({ err: error, path: deps.path }, 'alarm hold times not saved; a restart would start them again');
      }
    });
  };

  return {
    async start() {
      const text = await readFile(deps.path, 'utf8').catch(() => null);
      if (text === null) return;
      try {
        for (const [id, at] of Object.entries(JSON.parse(text) as Record<string, unknown>)) if (typeof at === 'number' && Number.isFinite(at)) cleared.set(id, at);
      } catch (error) {
        deps.log.warn({ err: error, path: deps.path }, 'alarm hold times unreadable; they start again');
      }
    },
    async close() {
      await writing;
    },
    clearedAt: (alarmId) => cleared.get(alarmId),
    cleared(alarmId, atMs) {
      if (cleared.get(alarmId) === atMs) return;
      cleared.set(alarmId, atMs);
      save();
    },
    forget(alarmId) {
      if (cleared.delete(alarmId)) save();
    },
  };
}
