import { crc32 } from './crc32.ts';

/**
 * One record on disk: a 12-byte header, then the UTF-8 payload.
 *   u32 LE  payload length
 *   u32 LE  CRC32 of the payload
 *   u32 LE  CRC32 of the 8 bytes above
 * The header has its own checksum so that recovery can tell a damaged length
 * (corrupt) from a length that is fine but runs past the end of the file (a torn
 * write), and can find the next good frame after a damaged one.
 */
export const HEADER_BYTES = 12;

export type FrameScan =
  | { readonly kind: 'record'; readonly end: number }
  | { readonly kind: 'bad-payload'; readonly end: number }
  | { readonly kind: 'bad-header' }
  | { readonly kind: 'torn' };

/** The bytes `records` take on disk, framing included. */
export function framedSize(records: readonly string[]): number {
  let bytes = 0;
  for (const record of records) bytes += HEADER_BYTES + Buffer.byteLength(record, 'utf8');
  return bytes;
}

/** Frames `records` into one buffer, ready for a single write. */
export function encodeFrames(records: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(framedSize(records));
  let at = 0;
  for (const record of records) {
    const length = out.write(record, at + HEADER_BYTES, 'utf8');
    out.writeUInt32LE(length, at);
    out.writeUInt32LE(crc32(out.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)), at + 4);
    out.writeUInt32LE(crc32(out.subarray(at, at + 8)), at + 8);
    at += HEADER_BYTES + length;
  }
  return out;
}

/** Checks the frame that starts at `at`; `buffer` ends where the file (or what was read of it) ends. */
export function scanFrame(buffer: Buffer, at: number): FrameScan {
  if (buffer.length - at < HEADER_BYTES) return { kind: 'torn' };
  if (buffer.readUInt32LE(at + 8) !== crc32(buffer.subarray(at, at + 8))) return { kind: 'bad-header' };
  const end = at + HEADER_BYTES + buffer.readUInt32LE(at);
  if (end > buffer.length) return { kind: 'torn' };
  const good = buffer.readUInt32LE(at + 4) === crc32(buffer.subarray(at + HEADER_BYTES, end));
  return { kind: good ? 'record' : 'bad-payload', end };
}

/** The payload of a frame that scanFrame called a record. */
export function framePayload(buffer: Buffer, at: number, end: number): string {
  return buffer.toString('utf8', at + HEADER_BYTES, end);
}

/** The length a frame's header claims, when the header is intact; null otherwise. */
export function frameLength(buffer: Buffer, at: number): number | null {
  if (buffer.length - at < HEADER_BYTES) return null;
  if (buffer.readUInt32LE(at + 8) !== crc32(buffer.subarray(at, at + 8))) return null;
  return HEADER_BYTES + buffer.readUInt32LE(at);
}

/** What follows a damaged spot in a segment: the intact frames found after it, and the damaged ones. */
export interface FramesAfter {
  /** [start, end) of each frame whose header and payload pass their checksums. */
  readonly intact: Array<readonly [number, number]>;
  /** Frames whose header is intact but whose payload fails its checksum. */
  readonly damaged: number;
}

/**
 * Finds the frames after a damaged spot, stepping over damaged bytes one at a time: a flipped
 * bit costs its own record, not the acknowledged readings behind it. The cheap length check
 * first keeps the byte-by-byte search fast.
 */
export function framesAfter(buffer: Buffer, at: number): FramesAfter {
  const intact: Array<readonly [number, number]> = [];
  let damaged = 0;
  let p = at;
  while (buffer.length - p >= HEADER_BYTES) {
    const plausible = p + HEADER_BYTES + buffer.readUInt32LE(p) <= buffer.length;
    const scan = plausible ? scanFrame(buffer, p) : null;
    if (scan && (scan.kind === 'record' || scan.kind === 'bad-payload')) {
      if (scan.kind === 'record') intact.push([p, scan.end]);
      else damaged += 1;
      p = scan.end;
    } else p += 1;
  }
  return { intact, damaged };
}

/** True when every byte from `at` on is zero: a file extended by the crash but never written. */
export function isZeroTail(buffer: Buffer, at: number): boolean {
  for (let i = at; i < buffer.length; i += 1) if (buffer[i] !== 0) return false;
  return true;
}
