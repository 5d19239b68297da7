import { open, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ackTempName, readAck, type Position } from './ack-file.ts';
import { framesAfter, isZeroTail, scanFrame } from './frame.ts';
import { listSegments, segmentPath, syncDir } from './segment-files.ts';
import { SpoolError } from './spool-errors.ts';
import type { SegmentInfo } from './state.ts';

/** What open() found. */
export interface SpoolRecovery {
  /** Segment files kept (fully acknowledged ones are deleted). */
  segments: number;
  /** Good records not yet acknowledged: these will be read again. */
  records: number;
  /** Bytes of the segment files kept, after cutting. */
  bytes: number;
  /** Segments whose end was a half-written record (a crash mid-write), cut off. */
  tornTails: number;
  /** Records that failed their checksum (or whose header did), cut off. */
  corruptRecords: number;
  /** Intact records found after a damaged one and not yet acknowledged: moved to a new segment, read after the others. */
  movedRecords: number;
  /** Bytes cut off segment files for torn tails and corrupt records. */
  cutBytes: number;
}

export interface Recovered {
  readonly recovery: SpoolRecovery;
  readonly segments: SegmentInfo[];
  readonly ack: Position;
  readonly nextSeq: number;
}

interface SegmentScan {
  size: number;
  unacked: number;
  /** The last record boundary at or before the acknowledged offset. */
  ackBoundary: number;
  torn: boolean;
  corrupt: number;
  cut: number;
  /** Intact frames after the damage that are not acknowledged yet: they are kept, moved. */
  moved: Buffer[];
}

/**
 * Walks every frame of one segment, verifying checksums, and says where it must be cut. After a
 * damaged frame, the intact frames behind it that are not acknowledged are kept (`moved`): a
 * flipped bit, even in a record InfluxDB already has, cut every acknowledged reading after it.
 */
function scanSegment(buffer: Buffer, ackOffset: number): SegmentScan {
  let at = 0;
  let unacked = 0;
  let ackBoundary = 0;
  let scan = scanFrame(buffer, at);
  while (at < buffer.length && scan.kind === 'record') {
    if (scan.end <= ackOffset) ackBoundary = scan.end;
    else unacked += 1;
    at = scan.end;
    scan = scanFrame(buffer, at);
  }
  const result = { size: at, unacked, ackBoundary, torn: false, corrupt: 0, cut: buffer.length - at, moved: [] };
  if (at === buffer.length) return result;
  if (scan.kind === 'torn' || isZeroTail(buffer, at)) return { ...result, torn: true };
  const after = framesAfter(buffer, scan.kind === 'bad-payload' ? scan.end : at + 1);
  // Frames ending at or before the acknowledged offset are in InfluxDB already.
  const moved = after.intact.filter(([, end]) => end > ackOffset).map(([start, end]) => buffer.subarray(start, end));
  return { ...result, corrupt: 1 + after.damaged, moved };
}

/** Writes intact frames found after damage to a segment of their own, durably, before their old place is cut. */
async function writeMoved(dir: string, seq: number, frames: Buffer[]): Promise<number> {
  const data = Buffer.concat(frames);
  const path = segmentPath(dir, seq);
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDir(dir);
  } catch (error) {
    // Nothing is cut then: the start fails, and the next one, with room, moves them.
    await rm(path, { force: true });
    const full = ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '');
    throw new SpoolError(full ? 'WX_ERR_DISK_FULL' : 'WX_ERR_SPOOL_UNAVAILABLE', `cannot move ${frames.length} intact records from after a damaged one to ${path}: ${(error as Error).message}; nothing was cut`, { value: { path, records: frames.length, bytes: data.length }, cause: error });
  }
  return data.length;
}

async function truncateDurably(path: string, size: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(size);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Scans the spool directory: deletes fully acknowledged segments, verifies every
 * remaining record, cuts torn and corrupt tails, and finds where reading resumes.
 * Appends always go to a new segment after open, so no cut file is written again.
 */
export async function recover(dir: string): Promise<Recovered> {
  await rm(join(dir, ackTempName), { force: true });
  const stored = await readAck(dir);
  const ack: Position = stored ?? { segment: 0, offset: 0 };
  const recovery: SpoolRecovery = { segments: 0, records: 0, bytes: 0, tornTails: 0, corruptRecords: 0, movedRecords: 0, cutBytes: 0 };
  const segments: SegmentInfo[] = [];
  const seqs = await listSegments(dir);
  let nextSeq = Math.max(ack.segment, seqs.at(-1) ?? 0) + 1;
  const moved: SegmentInfo[] = [];
  for (const seq of seqs) {
    const path = segmentPath(dir, seq);
    if (seq < ack.segment) {
      await unlink(path);
      continue;
    }
    const scan = scanSegment(await readFile(path), seq === ack.segment ? ack.offset : 0);
    // Moved first, cut after: a crash between the two reads them twice (InfluxDB collapses
    // identical points), never loses them.
    if (scan.moved.length > 0) {
      const bytes = await writeMoved(dir, nextSeq, scan.moved);
      moved.push({ seq: nextSeq, bytes, durable: bytes });
      nextSeq += 1;
      recovery.movedRecords += scan.moved.length;
      recovery.records += scan.moved.length;
      recovery.bytes += bytes;
    }
    if (scan.cut > 0) await truncateDurably(path, scan.size);
    recovery.tornTails += scan.torn ? 1 : 0;
    recovery.corruptRecords += scan.corrupt;
    recovery.cutBytes += scan.cut;
    // A cut can move the acknowledged offset past the end; never past a record boundary.
    if (seq === ack.segment) ack.offset = scan.ackBoundary;
    if (scan.unacked === 0) {
      await unlink(path);
      continue;
    }
    segments.push({ seq, bytes: scan.size, durable: scan.size });
    recovery.records += scan.unacked;
    recovery.bytes += scan.size;
  }
  segments.push(...moved);
  recovery.segments = segments.length;
  if (seqs.length > segments.length - moved.length) await syncDir(dir);
  return { recovery, segments, ack, nextSeq };
}
