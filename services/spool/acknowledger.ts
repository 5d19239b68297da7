import { unlink } from 'node:fs/promises';
import { WanxiangError } from '../errors.ts';
import { writeAck, type Position } from './ack-file.ts';
import { segmentPath } from './segment-files.ts';
import { SpoolError } from './spool-errors.ts';
import { isFullyAcked, type SpoolState } from './state.ts';

export interface Acknowledger {
  /** Marks batch `id` (numbered from 1 in read order) read up to `end`; resolves once that is durable. */
  acknowledge(id: number, end: Position, records: number): Promise<void>;
  /** Deletes fully acknowledged segments, except the one being written. */
  reclaim(): Promise<void>;
  /** Waits for the ack file writes in flight; later acks are refused. */
  close(): Promise<void>;
  /** Since when the last ack file write has failed (none succeeded after it), or null. */
  readonly failingSince: { readonly atMs: number; readonly reason: string } | null;
}

export interface AcknowledgerOptions {
  readonly state: SpoolState;
  /** Called when an ack became durable or a segment was deleted: space may have freed up. */
  readonly onProgress: () => void;
}

/**
 * Acks are written to the ack file one at a time; acks that arrive while a write
 * is in flight share the next write, which records the latest position. `state.ack`
 * moves only once the file says so, and segments are deleted only behind it, so a
 * crash at any point re-reads records rather than losing them.
 */
export function createAcknowledger(options: AcknowledgerOptions): Acknowledger {
  const { state } = options;
  let lastId = 0;
  /** The last batch whose position the ack file holds: an ack of it or before is done. */
  let durableId = 0;
  let failingSince: Acknowledger['failingSince'] = null;
  let latest: Position = { ...state.ack };
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  let closed = false;

  async function writeLatest(): Promise<void> {
    queued = null;
    const position = { ...latest };
    const id = lastId;
    try {
      await writeAck(state.dir, position);
    } catch (error) {
      failingSince ??= { atMs: Date.now(), reason: (error as Error).message };
      throw error;
    }
    failingSince = null;
    durableId = Math.max(durableId, id);
    state.ack = position;
    options.onProgress();
    await reclaim();
  }

  function persist(): Promise<void> {
    if (queued) return queued;
    // Runs after the previous write settles either way: its failure went to its own callers.
    queued = tail.then(writeLatest, writeLatest);
    tail = queued;
    return queued;
  }

  async function reclaim(): Promise<void> {
    const doomed = [];
    // Segments leave the list before the unlink awaits, so two reclaims never delete one file twice.
    for (let first = state.segments[0]; first && first.seq !== state.writing && isFullyAcked(state, first); first = state.segments[0]) {
      doomed.push(state.segments.shift()!);
    }
    // No directory fsync: a deleted segment that reappears after a crash lies behind
    // the ack position and open() deletes it again.
    for (const segment of doomed) {
      await unlink(segmentPath(state.dir, segment.seq));
      state.diskBytes -= segment.bytes;
    }
    if (doomed.length > 0) options.onProgress();
  }

  return {
    acknowledge(id, end, records) {
      if (closed) return Promise.reject(new SpoolError('WX_ERR_SPOOL_UNAVAILABLE', 'the spool is closed; the batch will be read again after open', { value: id }));
      if (id <= durableId) return Promise.resolve();
      // Acked before, but its write failed (EMFILE, ENOSPC): asked again, the latest position is
      // written again, covering it. Without this one failed write stopped every later ack for the run.
      if (id <= lastId) return persist();
      if (id !== lastId + 1) {
        return Promise.reject(new WanxiangError('WX_ERR_INVALID_ARGUMENT', `batches must be acknowledged in read order: batch ${id} before batch ${lastId + 1}`, { value: id }));
      }
      lastId = id;
      latest = { ...end };
      state.ackedRecords += records;
      return persist();
    },
    reclaim,
    get failingSince() {
      return failingSince;
    },
    async close() {
      closed = true;
      // A failed ack write was already reported to the caller of that ack.
      const settled = (): void => undefined;
      await tail.then(settled, settled);
    },
  };
}
