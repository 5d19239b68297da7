import { open, truncate, type FileHandle } from 'node:fs/promises';
import { createGroupCommit } from './group-commit.ts';
import { segmentPath, syncDir } from './segment-files.ts';
import { SpoolError } from './spool-errors.ts';
import { isFullyAcked, type SegmentInfo, type SpoolState } from './state.ts';

interface PendingAppend {
  readonly frames: Buffer;
  readonly records: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface WriterOptions {
  readonly state: SpoolState;
  readonly nextSeq: number;
  readonly segmentBytes: number;
  readonly maxBytes: number;
  readonly fsyncIntervalMs: number;
  /** Deletes fully acknowledged segments other than the one being written. */
  readonly reclaim: () => Promise<void>;
  /** Called after each group commit made records durable. */
  readonly onDurable: () => void;
}

export interface Writer {
  /** Queues framed records; resolves after the fsync that covers them. */
  append(frames: Buffer, records: number): Promise<void>;
  /** Bytes the spool would count if `bytes` more were appended now, for the quota. */
  usedAfter(bytes: number): number;
  /** Writes and syncs everything queued, then closes the file. */
  close(): Promise<void>;
  /** Whether appends are taken, refused for a full disk (retried on the next append), or stopped. */
  readonly health: SpoolHealth;
}

/** The spool's state as /healthz says it (issue 19, item 2). */
export interface SpoolHealth {
  readonly state: 'ok' | 'disk-full' | 'ack-failing' | 'stopped';
  readonly reason?: string;
  readonly since?: string;
}

/** No room on the filesystem: the write is undone and the next append tries again. */
const isDiskFull = (error: unknown) => ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

/**
 * Writes groups of appends to the current segment with one write and one
 * fdatasync per segment touched; group-commit.ts decides when a group goes.
 */
export function createWriter(options: WriterOptions): Writer {
  const { state } = options;
  let file: { segment: SegmentInfo; handle: FileHandle } | null = null;
  let nextSeq = options.nextSeq;
  let failure: unknown = null;
  let diskFull: { reason: string; since: string } | null = null;

  // The segment being written cannot be deleted, so when it is fully acknowledged
  // its bytes are counted as free: the next group rolls first and deletes it.
  function reclaimableBytes(): number {
    return file && file.segment.bytes === file.segment.durable && isFullyAcked(state, file.segment) ? file.segment.bytes : 0;
  }

  async function roll(): Promise<void> {
    await file?.handle.close();
    const seq = nextSeq++;
    const handle = await open(segmentPath(state.dir, seq), 'wx', 0o600);
    await syncDir(state.dir);
    const segment: SegmentInfo = { seq, bytes: 0, durable: 0 };
    state.segments.push(segment);
    state.writing = seq;
    file = { segment, handle };
  }

  async function writeAll(chunks: Buffer[]): Promise<void> {
    if (!file || chunks.length === 0) return;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    for (let at = 0; at < data.length; ) at += (await file.handle.write(data, at)).bytesWritten;
    file.segment.bytes += data.length;
    state.diskBytes += data.length;
    state.pendingBytes -= data.length;
    await file.handle.datasync();
  }

  async function commit(group: PendingAppend[]): Promise<void> {
    if (reclaimableBytes() > 0 && state.diskBytes + state.pendingBytes > options.maxBytes) {
      await roll();
      await options.reclaim();
    }
    let chunks: Buffer[] = [];
    let chunkBytes = 0;
    for (const entry of group) {
      const size = (file?.segment.bytes ?? 0) + chunkBytes;
      // Roll before an append that would take the segment past segmentBytes; an
      // append larger than a segment gets a segment of its own.
      if (!file || (size > 0 && size + entry.frames.length > options.segmentBytes)) {
        await writeAll(chunks);
        [chunks, chunkBytes] = [[], 0];
        await roll();
      }
      chunks.push(entry.frames);
      chunkBytes += entry.frames.length;
    }
    await writeAll(chunks);
  }

  async function run(group: PendingAppend[]): Promise<void> {
    if (failure) {
      for (const entry of group) entry.reject(unavailable());
      return;
    }
    try {
      await commit(group);
      diskFull = null;
      // Published only once every segment of the group is synced, so that readers
      // and the record counters move together.
      for (const segment of state.segments) segment.durable = segment.bytes;
      for (const entry of group) state.durableRecords += entry.records;
      options.onDurable();
      for (const entry of group) entry.resolve();
    } catch (error) {
      if (isDiskFull(error) && (await undoUnpublished())) {
        diskFull ??= { reason: `${(error as Error).message}`, since: new Date().toISOString() };
        for (const entry of group) entry.reject(noRoom());
        return;
      }
      // After a failed write or fsync the file's contents are unknown (a retried
      // fsync may report success for pages the kernel dropped), so the spool stops
      // taking appends; open() on restart cuts whatever is half-written.
      failure = error;
      state.pendingBytes = 0;
      for (const entry of group) entry.reject(unavailable());
    }
  }

  /**
   * Issue 19, item 2: a full disk is not a broken disk. What this group wrote after the last
   * good fdatasync is cut off again (every segment back to its published `durable` length, which
   * an fdatasync covered), so no torn tail is left, and the next group starts a fresh segment:
   * when space returns, appends go on without a restart. False when even the cut fails: then
   * the spool stops as for any other write error, and recovery cuts at the next start.
   */
  async function undoUnpublished(): Promise<boolean> {
    try {
      await file?.handle.close();
      file = null;
      const last = state.segments.at(-1);
      for (const segment of state.segments) {
        // The segment being written may hold bytes of a short write the counters never saw
        // (write() took part of a chunk, then ENOSPC): it is cut back to its durable length whatever they say.
        if (segment.bytes === segment.durable && segment !== last) continue;
        await truncate(segmentPath(state.dir, segment.seq), segment.durable).catch((error: NodeJS.ErrnoException) => {
          if (!(segment === last && error.code === 'ENOENT')) throw error; // never created: nothing to cut
        });
        state.diskBytes -= segment.bytes - segment.durable;
        segment.bytes = segment.durable;
      }
      state.pendingBytes = 0;
      return true;
    } catch {
      return false; // the caller stops the spool with the write's own error
    }
  }

  function noRoom(): SpoolError {
    return new SpoolError('WX_ERR_DISK_FULL', `the disk of the spool ${state.dir} is full (${diskFull?.reason ?? 'ENOSPC'}): not acknowledged; retried when space returns`, { value: state.dir });
  }

  function unavailable(): SpoolError {
    const reason = failure ? 'stopped after a write or fsync failure' : 'closed';
    return new SpoolError('WX_ERR_SPOOL_UNAVAILABLE', `the spool is ${reason}`, { value: state.dir, cause: failure ?? undefined });
  }

  const groups = createGroupCommit({ windowMs: options.fsyncIntervalMs, commit: run });

  let closed = false;
  return {
    get health(): SpoolHealth {
      if (failure) return { state: 'stopped', reason: `the spool stopped after a write or fsync failure: ${(failure as Error).message}` };
      if (diskFull) return { state: 'disk-full', ...diskFull };
      return { state: 'ok' };
    },
    append(frames, records) {
      if (closed || failure) return Promise.reject(unavailable());
      state.pendingBytes += frames.length;
      return new Promise((resolve, reject) => {
        groups.add({ frames, records, resolve, reject });
      });
    },
    usedAfter(bytes) {
      return state.diskBytes + state.pendingBytes - reclaimableBytes() + bytes;
    },
    async close() {
      closed = true;
      await groups.drain();
      await file?.handle.close();
      file = null;
    },
  };
}
