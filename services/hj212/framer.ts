import { createStreamSearch } from './stream-search.ts';

/**
 * The byte-exact HJ 212 stream framer (reference/hj212.md §2, §9.2): `##`, four decimal
 * digits N (the data segment's length in BYTES: §6.3 counts characters, but the CRC runs
 * over bytes and Chinese text is UTF-8), N bytes of segment, four hex digits of CRC, CR LF.
 * TCP may cut or join frames anywhere; bytes between frames (DTU registration and heartbeat
 * strings) are skipped up to the next `##`. A frame whose tail is not at 6+N+4 is looked for
 * at the next line end and kept when N counts its characters (Java/C# devices count UTF-16
 * units: xiaoyao9184/hj-t212-parser issue #26); a lone LF as the tail is reported as such
 * (strict devices are refused for it by the receiver), and so are a bare CR and no tail at all
 * (the frame ends at the next `##`, or at flush() once the station is quiet). A line end before the declared tail
 * ends the frame there (a length that lies too long must not hold back the frames after it).
 *
 * Every search is linear in the stream: a line end or the next `##` is looked for only where the
 * declared length allows it, and no byte is searched twice (stream-search.ts). Skipped runs are
 * one event however many candidates they held, and steps move an index, not the buffer.
 */

export interface Frame {
  /** The whole frame as received, tail included (kept in the dead-letter when it is refused). */
  readonly raw: Buffer;
  readonly segment: Buffer;
  /** The four characters where the CRC stands, as sent. */
  readonly crc: string;
  readonly declaredLength: number;
  /** What the declared length counted: bytes (the standard) or characters (some devices). */
  readonly lengthUnit: 'bytes' | 'chars';
  /**
   * What ended it: CR LF (the standard), a bare LF or a bare CR, or nothing (the next `##`, or the
   * station falling quiet: caoyiliang/HJ212 builds frames with CR and LF each optional). Only CR LF
   * is taken from a strict station (the receiver's rule).
   */
  readonly tail: 'crlf' | 'lf' | 'cr' | 'none';
}

/** Why bytes were skipped: the `reason` label of wanxiang_hj212_skipped_bytes_total. */
export type SkipReason = 'garbage' | 'bad_length_field' | 'oversize' | 'bad_tail';

export type FramerEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'skipped'; readonly bytes: number; readonly reason: SkipReason }
  /** A frame whose length field is above the cap began here (its bytes follow as skipped `oversize`): one event a frame, to refuse it once with its code. */
  | { readonly kind: 'oversize'; readonly declared: number };

export interface FramerOptions {
  /** The largest data segment taken (the standard allows 1024; the length field 9999). */
  readonly maxSegmentBytes: number;
}

const hash = 0x23; // '#'
const cr = 0x0d;
const lf = 0x0a;
const zero = 0x30;
/** `##` + 4 digits + 4 hex + CR LF around the segment. */
const overhead = 12;

export interface Framer {
  /** Takes the next bytes of the stream; returns the frames completed and the bytes skipped. */
  push(chunk: Buffer): FramerEvent[];
  /** Bytes held waiting for the rest of a frame. */
  readonly buffered: number;
  /**
   * The bytes held are a frame complete by its length, with no tail or a bare CR, waiting only to
   * see whether an LF follows: the receiver calls flush() once the station has been quiet a moment.
   */
  readonly awaitingTail: boolean;
  /** Takes a frame held for its tail (awaitingTail) as it is; nothing otherwise. */
  flush(): FramerEvent[];
  /** Bytes the framer's searches have looked at so far (for a test that bounds the work a stream costs). */
  readonly scannedBytes: number;
}

export function createFramer(options: FramerOptions): Framer {
  let buffer: Buffer = Buffer.alloc(0);
  /** Where the bytes not yet framed begin in `buffer`: steps advance it, the buffer is cut once a push. */
  let head = 0;
  /** Bytes of the stream before buffer[0]: searches address bytes by absolute position. */
  let base = 0;
  let scannedBytes = 0;
  const counted = (bytes: number) => {
    scannedBytes += bytes;
  };
  const lineEnds = createStreamSearch({ byte: lf, twice: false }, counted);
  // Two searches for `##`: where the next frame starts, and one inside a frame whose tail is
  // looked for (kept apart, so that each resumes where it stopped while the frame waits for bytes).
  const frameStarts = createStreamSearch({ byte: hash, twice: true }, counted);
  const innerStarts = createStreamSearch({ byte: hash, twice: true }, counted);
  /** A search from `start` to `end`, both relative to the head; the place found relative to the head, or -1. */
  const find = (search: typeof lineEnds, start: number, end: number) => {
    const at = search.find(buffer, base, base + head + start, base + head + end);
    return at === -1 ? -1 : at - base - head;
  };
  /** Bytes not yet framed. */
  const held = () => buffer.length - head;
  const byteAt = (offset: number) => buffer[head + offset];
  const events: FramerEvent[] = [];
  /** The run of skipped bytes the last event is, counted up in place (one object a run, not one a candidate). */
  let run: { kind: 'skipped'; bytes: number; reason: SkipReason } | undefined;
  const skip = (bytes: number, reason: SkipReason) => {
    if (bytes <= 0) return;
    // A run of skipped bytes is reported once, however it was cut: a stream of `##0001` is one
    // event a chunk, not one every 6 bytes (each event costs the receiver a metric increment).
    if (run !== undefined && run.reason === reason && events.at(-1) === run) run.bytes += bytes;
    else events.push((run = { kind: 'skipped', bytes, reason }));
    head += bytes;
  };
  /** The 4 digits of the length field, or -1 when one is not a digit. */
  const declaredLength = () => {
    let declared = 0;
    for (let i = 2; i < 6; i += 1) {
      const digit = byteAt(i)! - zero;
      if (digit < 0 || digit > 9) return -1;
      declared = declared * 10 + digit;
    }
    return declared;
  };

  /** After an oversize frame's `##`: its bytes up to the next `##` are counted as the oversize frame's, not as garbage. */
  let inOversize = false;

  /** One step: a frame taken, bytes skipped, or false when more bytes are needed. */
  function step(): boolean {
    const start = find(frameStarts, 0, held());
    if (start === -1) {
      // Keep a last '#': it may be the first half of the next `##`.
      skip(buffer[buffer.length - 1] === hash ? held() - 1 : held(), inOversize ? 'oversize' : 'garbage');
      return false;
    }
    if (start > 0) {
      skip(start, inOversize ? 'oversize' : 'garbage');
      return true;
    }
    inOversize = false;
    if (held() < 6) return false;
    const declared = declaredLength();
    if (declared === -1) {
      skip(1, 'bad_length_field'); // `###0101…`: the frame may start at the next '#'
      return true;
    }
    if (declared > options.maxSegmentBytes) {
      events.push({ kind: 'oversize', declared });
      skip(2, 'oversize');
      inOversize = true;
      return true;
    }
    const tailAt = 6 + declared + 4;
    // A line end before the tail's place: the length lies (too long). A segment holds no LF (ASCII
    // text, UTF-8 never has 0x0A inside a character), so the frame ends there; waiting for the
    // declared length would swallow the frames after it until the frame timeout closed the connection.
    if (find(lineEnds, 6, tailAt) !== -1) return lookForTail(declared);
    if (held() < tailAt + 1) return false;
    const tailByte = byteAt(tailAt);
    if (tailByte === lf) return take(declared, tailAt, tailAt + 1, 'bytes', 'lf');
    if (tailByte === cr) {
      if (held() < tailAt + 2) return false;
      // A CR exactly where the tail stands, and no LF after it: a bare CR (no segment holds a CR).
      return take(declared, tailAt, tailAt + (byteAt(tailAt + 1) === lf ? 2 : 1), 'bytes', byteAt(tailAt + 1) === lf ? 'crlf' : 'cr');
    }
    if (tailByte === hash) {
      if (held() < tailAt + 2) return false;
      // The next frame begins right after the CRC: this one had no tail (reference/hj212.md §2, compat).
      if (byteAt(tailAt + 1) === hash) return take(declared, tailAt, tailAt, 'bytes', 'none');
    }
    return lookForTail(declared);
  }

  /** Whether the segment before a tail at `tailAt` has `declared` characters (a length that counts characters, not bytes). */
  const countsCharacters = (declared: number, tailAt: number) => tailAt - 4 >= 6 && tailAt - 10 <= 3 * declared && buffer.toString('utf8', head + 6, head + tailAt - 4).length === declared;

  /**
   * The frame at the head when the bytes held are exactly one frame with no tail or a bare CR: its
   * length in bytes, or in characters (caoyiliang/HJ212 counts C# characters and makes CR and LF
   * optional, reference/hj212.md §2: both bends at once, found by the audit of issue 20).
   */
  function heldForTail(): { declared: number; tailAt: number; lengthUnit: Frame['lengthUnit'] } | null {
    if (held() < overhead - 2 || byteAt(0) !== hash || byteAt(1) !== hash) return null;
    const declared = declaredLength();
    if (declared === -1) return null;
    const tailAt = byteAt(held() - 1) === cr ? held() - 1 : held();
    if (tailAt === 6 + declared + 4) return { declared, tailAt, lengthUnit: 'bytes' };
    return tailAt > 6 + declared + 4 && countsCharacters(declared, tailAt) ? { declared, tailAt, lengthUnit: 'chars' } : null;
  }

  /**
   * The tail is not where the length says: the frame ends at the next LF if N counts its
   * characters. N characters (UTF-16 units) are at most 3N bytes of UTF-8, so that LF can only
   * stand before 6 + 3N + 4 + CR LF: nothing beyond is searched.
   */
  function lookForTail(declared: number): boolean {
    const window = 6 + 3 * declared + 6;
    const newline = find(lineEnds, 6, window);
    const nextFrame = find(innerStarts, 2, newline === -1 ? window : newline);
    if (nextFrame !== -1) {
      // The next frame begins before any line end: this one had no tail or a bare CR, and its length counts characters.
      const tailAt = byteAt(nextFrame - 1) === cr ? nextFrame - 1 : nextFrame;
      if (countsCharacters(declared, tailAt)) return take(declared, tailAt, nextFrame, 'chars', tailAt === nextFrame ? 'none' : 'cr');
      skip(nextFrame, 'bad_tail');
      return true;
    }
    if (newline === -1) {
      // No line end where one could be: not a frame. Else wait for the bytes up to the window's end.
      if (held() >= window || held() > options.maxSegmentBytes + overhead) {
        skip(2, 'bad_tail');
        return true;
      }
      return false;
    }
    const tailAt = byteAt(newline - 1) === cr ? newline - 1 : newline;
    const segmentEnd = tailAt - 4;
    if (segmentEnd >= 6 && countsCharacters(declared, tailAt)) {
      return take(declared, tailAt, newline + 1, 'chars', tailAt === newline ? 'lf' : 'crlf');
    }
    skip(2, 'bad_tail');
    return true;
  }

  function take(declared: number, tailAt: number, end: number, lengthUnit: Frame['lengthUnit'], tail: Frame['tail']): boolean {
    // Copied out of the stream's buffer: a frame outlives the chunk it came in (the dead-letter keeps it).
    const raw = Buffer.from(buffer.subarray(head, head + end));
    events.push({ kind: 'frame', frame: { raw, segment: raw.subarray(6, tailAt - 4), crc: raw.toString('latin1', tailAt - 4, tailAt), declaredLength: declared, lengthUnit, tail } });
    head += end;
    return true;
  }

  /** The events of what was just framed; the bytes framed are dropped from the buffer. */
  function collect(): FramerEvent[] {
    if (head > 0) {
      buffer = buffer.subarray(head);
      base += head;
      head = 0;
    }
    const out = events.slice();
    events.length = 0;
    run = undefined;
    return out;
  }

  return {
    push(chunk) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      events.length = 0;
      while (held() > 0 && step());
      return collect();
    },
    get buffered() {
      return held();
    },
    get awaitingTail() {
      return heldForTail() !== null;
    },
    get scannedBytes() {
      return scannedBytes;
    },
    flush() {
      const frame = heldForTail();
      if (frame === null) return [];
      events.length = 0;
      take(frame.declared, frame.tailAt, held(), frame.lengthUnit, held() === frame.tailAt ? 'none' : 'cr');
      return collect();
    },
  };
}
