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

export type FramerEvent =
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'skipped'; readonly bytes: number; readonly reason: 'garbage' | 'bad_length_field' | 'oversize' | 'bad_tail' };

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
}

export function createFramer(options: FramerOptions): Framer {
  let buffer: Buffer = Buffer.alloc(0);
  const events: FramerEvent[] = [];
  const skip = (bytes: number, reason: Extract<FramerEvent, { kind: 'skipped' }>['reason']) => {
    if (bytes <= 0) return;
    const last = events.at(-1);
    // Runs of garbage are reported once, however they were cut.
    if (last?.kind === 'skipped' && last.reason === reason && reason === 'garbage') events[events.length - 1] = { kind: 'skipped', bytes: last.bytes + bytes, reason };
    else events.push({ kind: 'skipped', bytes, reason });
    buffer = buffer.subarray(bytes);
  };

  /** One step: a frame taken, bytes skipped, or false when more bytes are needed. */
  function step(): boolean {
    const start = buffer.indexOf('##');
    if (start === -1) {
      // Keep a last '#': it may be the first half of the next `##`.
      skip(buffer.length > 0 && buffer[buffer.length - 1] === hash ? buffer.length - 1 : buffer.length, 'garbage');
      return false;
    }
    if (start > 0) {
      skip(start, 'garbage');
      return true;
    }
    if (buffer.length < 6) return false;
    let declared = 0;
    for (let i = 2; i < 6; i += 1) {
      const digit = buffer[i]! - zero;
      if (digit < 0 || digit > 9) {
        skip(1, 'bad_length_field'); // `###0101…`: the frame may start at the next '#'
        return true;
      }
      declared = declared * 10 + digit;
    }
    if (declared > options.maxSegmentBytes) {
      skip(2, 'oversize');
      return true;
    }
    const tailAt = 6 + declared + 4;
    // A line end before the tail's place: the length lies (too long). A segment holds no LF (ASCII
    // text, UTF-8 never has 0x0A inside a character), so the frame ends there; waiting for the
    // declared length would swallow the frames after it until the frame timeout closed the connection.
    const newline = buffer.indexOf(lf, 6);
    if (newline !== -1 && newline < tailAt) return lookForTail(declared);
    if (buffer.length < tailAt + 1) return false;
    const tailByte = buffer[tailAt];
    if (tailByte === lf) return take(declared, tailAt, tailAt + 1, 'bytes', 'lf');
    if (tailByte === cr) {
      if (buffer.length < tailAt + 2) return false;
      // A CR exactly where the tail stands, and no LF after it: a bare CR (no segment holds a CR).
      return take(declared, tailAt, tailAt + (buffer[tailAt + 1] === lf ? 2 : 1), 'bytes', buffer[tailAt + 1] === lf ? 'crlf' : 'cr');
    }
    if (tailByte === hash) {
      if (buffer.length < tailAt + 2) return false;
      // The next frame begins right after the CRC: this one had no tail (reference/hj212.md §2, compat).
      if (buffer[tailAt + 1] === hash) return take(declared, tailAt, tailAt, 'bytes', 'none');
    }
    return lookForTail(declared);
  }

  /** The declared length of the frame at the head of the buffer, when the buffer holds exactly that frame with no tail or a bare CR. */
  function heldForTail(): number | null {
    if (buffer.length < overhead - 2 || buffer[0] !== hash || buffer[1] !== hash) return null;
    let declared = 0;
    for (let i = 2; i < 6; i += 1) {
      const digit = buffer[i]! - zero;
      if (digit < 0 || digit > 9) return null;
      declared = declared * 10 + digit;
    }
    const tailAt = 6 + declared + 4;
    if (buffer.length === tailAt || (buffer.length === tailAt + 1 && buffer[tailAt] === cr)) return declared;
    return null;
  }

  /** The tail is not where the length says: the frame ends at the next LF if N counts its characters. */
  function lookForTail(declared: number): boolean {
    const newline = buffer.indexOf(lf, 6);
    const nextFrame = buffer.indexOf('##', 2);
    if (nextFrame !== -1 && (newline === -1 || nextFrame < newline)) {
      skip(nextFrame, 'bad_tail');
      return true;
    }
    if (newline === -1) {
      if (buffer.length > options.maxSegmentBytes + overhead) {
        skip(2, 'bad_tail');
        return true;
      }
      return false;
    }
    const tailAt = buffer[newline - 1] === cr ? newline - 1 : newline;
    const segmentEnd = tailAt - 4;
    if (segmentEnd >= 6 && buffer.toString('utf8', 6, segmentEnd).length === declared) {
      return take(declared, tailAt, newline + 1, 'chars', tailAt === newline ? 'lf' : 'crlf');
    }
    skip(2, 'bad_tail');
    return true;
  }

  function take(declared: number, tailAt: number, end: number, lengthUnit: Frame['lengthUnit'], tail: Frame['tail']): boolean {
    // Copied out of the stream's buffer: a frame outlives the chunk it came in (the dead-letter keeps it).
    const raw = Buffer.from(buffer.subarray(0, end));
    events.push({ kind: 'frame', frame: { raw, segment: raw.subarray(6, tailAt - 4), crc: raw.toString('latin1', tailAt - 4, tailAt), declaredLength: declared, lengthUnit, tail } });
    buffer = buffer.subarray(end);
    return true;
  }

  return {
    push(chunk) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      events.length = 0;
      while (buffer.length > 0 && step());
      const out = events.slice();
      events.length = 0;
      return out;
    },
    get buffered() {
      return buffer.length;
    },
    get awaitingTail() {
      return heldForTail() !== null;
    },
    flush() {
      const declared = heldForTail();
      if (declared === null) return [];
      const tailAt = 6 + declared + 4;
      events.length = 0;
      take(declared, tailAt, buffer.length, 'bytes', buffer.length === tailAt ? 'none' : 'cr');
      const out = events.slice();
      events.length = 0;
      return out;
    },
  };
}
