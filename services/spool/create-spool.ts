import { mkdir, readFile } from 'node:fs/promises';
import { WanxiangError } from '../errors.ts';
import { createAcknowledger, type Acknowledger } from './acknowledger.ts';
import { encodeFrames, framePayload, scanFrame } from './frame.ts';
import { segmentPath } from './segment-files.ts';
import { parseSpoolOptions, type SpoolOptions } from './options.ts';
import { createReader, type Reader } from './reader.ts';
import { recover, type SpoolRecovery } from './recover.ts';
import { createSignal } from './signal.ts';
import { SpoolError } from './spool-errors.ts';
import type { Position, SegmentInfo, SpoolState } from './state.ts';
import { createWriter, type SpoolHealth, type Writer } from './writer.ts';

export interface SpoolBatch {
  records: string[];
  /** Marks these records written; the spool may then delete fully consumed segments. Acks must come in read order. */
  ack(): Promise<void>;
}

export interface Spool {
  /** Recovers the directory (see SpoolRecovery) and resumes reading at the oldest unacknowledged record. */
  open(): Promise<SpoolRecovery>;
  /** Resolves once the records are fsynced; rejects with WX_ERR_SPOOL_FULL at the quota, WX_ERR_SPOOL_UNAVAILABLE when closed. */
  append(records: readonly string[]): Promise<void>;
  /** Resolves when `bytes` more on-disk bytes (see framedSize) would fit under the quota, or on close. */
  waitForSpace(bytes: number): Promise<void>;
  /** The next unread records in append order, at most maxRecords, or null when there are none. */
  read(maxRecords: number): Promise<SpoolBatch | null>;
  /**
   * Calls `visit` with each record open() found unacknowledged (what an earlier run left),
   * in order, without reading them for the drainer: for accounting across a restart.
   */
  recoveredRecords(visit: (record: string) => void): Promise<void>;
  /** Resolves when there is something to read, or on close. */
  whenReadable(): Promise<void>;
  /** Segment bytes on disk plus appends accepted and not yet written. */
  readonly usedBytes: number;
  /** Durable records not yet acknowledged. */
  readonly unacknowledgedRecords: number;
  /** ok, disk-full (appends refused, retried on the next one) or stopped (issue 19, item 2). */
  readonly health: SpoolHealth;
  /** Writes and fsyncs the appends already accepted, waits for ack writes, closes files. */
  close(): Promise<void>;
}

interface Parts {
  readonly state: SpoolState;
  readonly writer: Writer;
  readonly reader: Reader;
  readonly acks: Acknowledger;
}

/** A durable append-only spool in `options.dir`; nothing touches the disk before open(). */
export function createSpool(options: SpoolOptions): Spool {
  const config = parseSpoolOptions(options);
  const readable = createSignal();
  const space = createSignal();
  let parts: Parts | null = null;
  let opening: Promise<SpoolRecovery> | null = null;
  let closing: Promise<void> | null = null;
  let recoveredFrom: Position | null = null;
  let recoveredSegments: SegmentInfo[] = [];

  function unavailable(): SpoolError {
    const reason = closing ? 'closed' : 'not open';
    return new SpoolError('WX_ERR_SPOOL_UNAVAILABLE', `the spool in ${config.dir} is ${reason}`, { value: config.dir });
  }

  function openParts(): Parts {
    if (!parts || closing) throw unavailable();
    return parts;
  }

  async function build(): Promise<SpoolRecovery> {
    await mkdir(config.dir, { recursive: true, mode: 0o700 });
    const found = await recover(config.dir);
    recoveredFrom = { ...found.ack };
    recoveredSegments = found.segments.map((segment) => ({ ...segment }));
    const state: SpoolState = {
      dir: config.dir,
      segments: found.segments,
      writing: null,
      ack: found.ack,
      durableRecords: found.recovery.records,
      readRecords: 0,
      ackedRecords: 0,
      diskBytes: found.recovery.bytes,
      pendingBytes: 0,
    };
    const acks = createAcknowledger({ state, onProgress: () => space.wake() });
    const writer = createWriter({ ...config, state, nextSeq: found.nextSeq, reclaim: () => acks.reclaim(), onDurable: () => readable.wake() });
    parts = { state, writer, reader: createReader(state, found.ack), acks };
    readable.wake();
    space.wake();
    return found.recovery;
  }

  function fits(bytes: number): boolean {
    return parts !== null && parts.writer.usedAfter(bytes) <= config.maxBytes;
  }

  function usedBytes(): number {
    return parts ? parts.state.diskBytes + parts.state.pendingBytes : 0;
  }

  function full(bytes: number): SpoolError {
    const value = { needed: bytes, used: usedBytes(), max: config.maxBytes };
    return new SpoolError('WX_ERR_SPOOL_FULL', `the spool has no room for ${bytes} more bytes (${value.used} of ${value.max} used)`, { value });
  }

  return {
    async open() {
      if (opening || closing) throw new SpoolError('WX_ERR_SPOOL_UNAVAILABLE', 'a spool opens once; create a new one to reopen the directory', { value: config.dir });
      opening = build();
      return opening;
    },
    async append(records) {
      const { writer } = openParts();
      if (records.length === 0) return;
      const frames = encodeFrames(records);
      if (!fits(frames.length)) throw full(frames.length);
      await writer.append(frames, records.length);
    },
    async waitForSpace(bytes) {
      if (bytes > config.maxBytes) throw full(bytes);
      while (!closing && !fits(bytes)) await space.wait();
    },
    async read(maxRecords) {
      if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'maxRecords must be a positive integer', { value: maxRecords });
      const { reader, acks } = openParts();
      const result = await reader.read(maxRecords);
      if (!result) return null;
      return { records: result.records, ack: () => acks.acknowledge(result.batch, result.end, result.records.length) };
    },
    async recoveredRecords(visit) {
      const { state } = openParts();
      const start = recoveredFrom ?? { segment: 0, offset: 0 };
      for (const segment of recoveredSegments) {
        const buffer = await readFile(segmentPath(state.dir, segment.seq));
        let at = segment.seq === start.segment ? start.offset : 0;
        while (at < segment.durable) {
          const scan = scanFrame(buffer, at);
          if (scan.kind !== 'record') break;
          visit(framePayload(buffer, at, scan.end));
          at = scan.end;
        }
      }
    },
    async whenReadable() {
      while (!closing && !(parts && parts.state.durableRecords > parts.state.readRecords)) await readable.wait();
    },
    get usedBytes() {
      return usedBytes();
    },
    get health(): SpoolHealth {
      if (closing) return { state: 'stopped', reason: 'the spool is closed' };
      if (!parts) return { state: 'stopped', reason: 'the spool is not open' };
      const written = parts.writer.health;
      const ackFailing = parts.acks.failingSince;
      if (written.state !== 'ok' || !ackFailing) return written;
      return { state: 'ack-failing', reason: ackFailing.reason, since: new Date(ackFailing.atMs).toISOString() };
    },
    get unacknowledgedRecords() {
      return parts ? parts.state.durableRecords - parts.state.ackedRecords : 0;
    },
    close() {
      closing ??= (async () => {
        readable.wake();
        space.wake();
        // A failed open was reported to its caller; either way there is nothing more to wait for.
        await opening?.then(undefined, () => undefined);
        await parts?.writer.close();
        await parts?.acks.close();
        await parts?.reader.close();
      })();
      return closing;
    },
  };
}
