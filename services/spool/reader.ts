import { open, type FileHandle } from 'node:fs/promises';
import type { Position } from './ack-file.ts';
import { frameLength, framePayload, scanFrame } from './frame.ts';
import { segmentPath } from './segment-files.ts';
import { SpoolError } from './spool-errors.ts';
import type { SegmentInfo, SpoolState } from './state.ts';

export interface ReadResult {
  /** Numbered from 1 in read order, for the in-order check on acks. */
  readonly batch: number;
  readonly records: string[];
  /** The position after the last record returned. */
  readonly end: Position;
}

export interface Reader {
  read(maxRecords: number): Promise<ReadResult | null>;
  close(): Promise<void>;
}

// Read ahead this much at a time; a longer frame is read whole. Each read waits a turn of an
// event loop that is busy with MQTT traffic (tens of ms under load), so few large reads beat
// many small ones: at 256 KiB the drainer spent ~100 ms of every write slot waiting on reads.
const chunkBytes = 4 * 1024 * 1024;

/** Reads durable records in append order from `start`, one read at a time. */
export function createReader(state: SpoolState, start: Position): Reader {
  let position: Position = { ...start };
  let file: { seq: number; handle: FileHandle } | null = null;
  let cache: { seq: number; start: number; buffer: Buffer } | null = null;
  let lock: Promise<unknown> = Promise.resolve();
  let batches = 0;

  function corrupt(seq: number, offset: number): SpoolError {
    return new SpoolError('WX_ERR_SPOOL_CORRUPT', `a record in spool segment ${seq} at byte ${offset} failed its checksum`, { value: { segment: seq, offset } });
  }

  /** The segment holding the read position; skips segments deleted or finished. */
  function locate(): SegmentInfo | null {
    for (const segment of state.segments) {
      if (segment.seq < position.segment) continue;
      if (segment.seq > position.segment) position = { segment: segment.seq, offset: 0 };
      // A segment is finished only once all its bytes are durable and a later one exists.
      const finished = position.offset >= segment.durable && segment.durable === segment.bytes && segment.seq !== state.writing;
      if (!finished) return segment;
    }
    return null;
  }

  async function fill(segment: SegmentInfo, wanted: number): Promise<Buffer> {
    if (file?.seq !== segment.seq) {
      await file?.handle.close();
      file = null;
      file = { seq: segment.seq, handle: await open(segmentPath(state.dir, segment.seq), 'r') };
    }
    const buffer = Buffer.allocUnsafe(Math.min(wanted, segment.durable - position.offset));
    for (let at = 0; at < buffer.length; ) {
      const { bytesRead } = await file.handle.read(buffer, at, buffer.length - at, position.offset + at);
      if (bytesRead === 0) throw corrupt(segment.seq, position.offset + at);
      at += bytesRead;
    }
    cache = { seq: segment.seq, start: position.offset, buffer };
    return buffer;
  }

  /** Makes sure the cache holds the whole frame at the read position. */
  async function ensureFrame(segment: SegmentInfo): Promise<void> {
    const at = cache && cache.seq === segment.seq ? position.offset - cache.start : -1;
    if (cache && at >= 0 && scanFrame(cache.buffer, at).kind !== 'torn') return;
    const buffer = await fill(segment, chunkBytes);
    const length = frameLength(buffer, 0);
    if (length === null) throw corrupt(segment.seq, position.offset);
    if (length > buffer.length && (await fill(segment, length)).length < length) throw corrupt(segment.seq, position.offset);
  }

  async function readFrom(segment: SegmentInfo, out: string[], max: number): Promise<void> {
    await ensureFrame(segment);
    const { buffer, start } = cache!;
    let at = position.offset - start;
    while (out.length < max && at < buffer.length) {
      const scan = scanFrame(buffer, at);
      if (scan.kind === 'torn') break;
      if (scan.kind !== 'record') throw corrupt(segment.seq, start + at);
      out.push(framePayload(buffer, at, scan.end));
      at = scan.end;
    }
    position = { segment: segment.seq, offset: start + at };
  }

  async function readNow(max: number): Promise<ReadResult | null> {
    const records: string[] = [];
    for (let segment = locate(); segment && records.length < max; segment = locate()) {
      if (position.offset >= segment.durable) break;
      await readFrom(segment, records, max);
    }
    if (records.length === 0) return null;
    state.readRecords += records.length;
    batches += 1;
    return { batch: batches, records, end: { ...position } };
  }

  return {
    read(max) {
      const result = lock.then(() => readNow(max));
      lock = result.catch(() => undefined);
      return result;
    },
    async close() {
      await lock;
      await file?.handle.close();
      file = null;
      cache = null;
    },
  };
}
