import { open, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ackTempName, readAck, type Position } from './ack-file.ts';
import { countFramesAfter, isZeroTail, scanFrame } from './frame.ts';
import { listSegments, segmentPath, syncDir } from './segment-files.ts';
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
  /** Records that failed their checksum, plus the records after them in the same segment, all cut off. */
  corruptRecords: number;
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
}

/** Walks every frame of one segment, verifying checksums, and says where it must be cut. */
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
  const result = { size: at, unacked, ackBoundary, torn: false, corrupt: 0, cut: buffer.length - at };
  if (at === buffer.length) return result;
  if (scan.kind === 'torn' || isZeroTail(buffer, at)) return { ...result, torn: true };
  const next = scan.kind === 'bad-payload' ? scan.end : at + 1;
  return { ...result, corrupt: 1 + countFramesAfter(buffer, next) };
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
  const recovery: SpoolRecovery = { segments: 0, records: 0, bytes: 0, tornTails: 0, corruptRecords: 0, cutBytes: 0 };
  const segments: SegmentInfo[] = [];
  const seqs = await listSegments(dir);
  for (const seq of seqs) {
    const path = segmentPath(dir, seq);
    if (seq < ack.segment) {
      await unlink(path);
      continue;
    }
    const scan = scanSegment(await readFile(path), seq === ack.segment ? ack.offset : 0);
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
  recovery.segments = segments.length;
  if (seqs.length > segments.length) await syncDir(dir);
  return { recovery, segments, ack, nextSeq: Math.max(ack.segment, seqs.at(-1) ?? 0) + 1 };
}
