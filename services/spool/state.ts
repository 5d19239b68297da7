import type { Position } from './ack-file.ts';

export type { Position } from './ack-file.ts';

export interface SegmentInfo {
  readonly seq: number;
  /** Bytes written to the file. */
  bytes: number;
  /** Bytes covered by an fsync; readers never go past this. */
  durable: number;
}

/**
 * What the writer, reader and acknowledger share. Counting records rather than
 * comparing positions keeps "is there anything to read" a single comparison.
 */
export interface SpoolState {
  readonly dir: string;
  /** Oldest first; the last one is the segment being written, when `writing` says so. */
  readonly segments: SegmentInfo[];
  /** The segment appends go to; null until the first write after open. */
  writing: number | null;
  ack: Position;
  /** Records made durable (recovered ones included), handed to readers, and acknowledged. */
  durableRecords: number;
  readRecords: number;
  ackedRecords: number;
  /** Bytes in segment files on disk, and bytes of accepted appends not yet written. */
  diskBytes: number;
  pendingBytes: number;
}

export function isFullyAcked(state: SpoolState, segment: SegmentInfo): boolean {
  return segment.seq < state.ack.segment || (segment.seq === state.ack.segment && state.ack.offset >= segment.bytes);
}
