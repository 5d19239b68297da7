import { hash } from 'node:crypto';

/**
 * HJ 212-2017 Table 1: a station whose answer does not come within its timeout (10 s) sends the
 * same frame again, up to 3 times; the same QN, the same bytes. The copy is answered as the first
 * was, since the station waits for it, but not stored again (reference/hj212.md): stored, it was a
 * second hj212_unknown row, and each copy counted in the accounting, the accepted packets and the
 * live bus (red team: the same reading alarmed twice).
 */
export const retrySpanMs = 10_000 * (1 + 3);

/**
 * How long a stored frame is remembered: far beyond the retries' 40 s, so that a station that lost
 * its connection and sends its unanswered frames again once reconnected is covered too; and far
 * below any time in which a QN (a time to the millisecond, HJ 212-2017 §6.3.2) comes back as new data.
 */
export const rememberMs = 10 * 60_000;

/** A frame being stored: copies that come meanwhile wait for its outcome. */
interface Storing {
  readonly atMs: number;
  waiters: Array<() => void> | undefined;
}

/** When a frame stored was first seen, or the frame being stored. */
type Remembered = number | Storing;

/** A frame claimed to be stored: settled once it is (or is not). */
export interface Ticket {
  readonly deviceId: string;
  readonly key: string;
  readonly storing: Storing;
}

/**
 * What to do with a frame: 'again' (the same frame is stored: answer it, store nothing), a ticket
 * (store it, then settle the ticket), or undefined (no QN: store it, nothing to settle).
 */
export type Claim = 'again' | Ticket | undefined;

export interface ResentFrames {
  /**
   * Claims a station's frame. A copy of a frame still being stored waits for its outcome (the
   * promise): stored, the copy is 'again'; not stored, the copy is stored. Without waiting, no
   * promise (one a packet counts: issue 20's throughput goal). A frame without QN (HJ/T 212-2005)
   * is never a retransmission: nothing tells its copy from a new reading with the same values.
   */
  claim(deviceId: string, qn: string | undefined, segment: Buffer, atMs: number): Claim | Promise<Claim>;
  /** The frame stored (remembered for the window) or not (forgotten: the station sends it again, that copy is stored). */
  settle(ticket: Claim, stored: boolean): void;
  /** Forgets what is older than the window (the receiver's sweep: stations gone quiet keep nothing). */
  sweep(atMs: number): void;
  /** Frames remembered now, all stations together. */
  readonly size: number;
}

/**
 * What each station's frames were, as a digest of the segment (SHA-1, 28 characters: the QN alone is
 * no key, since the parts of a split packet share it, Flag bit D, their PNO apart), for `rememberMs`
 * or its last `perStation` frames, whichever is fewer: a station sending millions of distinct QNs
 * holds `perStation` entries at most (about 100 bytes each).
 */
export function createResentFrames(options: { readonly perStation: number; readonly rememberMs?: number }): ResentFrames {
  const windowMs = options.rememberMs ?? rememberMs;
  const stations = new Map<string, Map<string, Remembered>>();
  let size = 0;

  const release = (entry: Remembered | undefined) => {
    if (typeof entry === 'object' && entry.waiters) for (const wake of entry.waiters.splice(0)) wake();
  };
  const forget = (frames: Map<string, Remembered>, key: string) => {
    const entry = frames.get(key);
    frames.delete(key);
    size -= 1;
    release(entry);
  };
  /** Drops from the oldest while expired (a Map iterates in insertion order, the order frames came). */
  const prune = (frames: Map<string, Remembered>, atMs: number) => {
    for (const [key, entry] of frames) {
      if ((typeof entry === 'number' ? entry : entry.atMs) + windowMs > atMs) return;
      forget(frames, key);
    }
  };
  /** A station's frames; an empty one is dropped by the sweep alone (a frame being stored keeps its map in place). */
  const framesOf = (deviceId: string) => {
    let frames = stations.get(deviceId);
    if (!frames) stations.set(deviceId, (frames = new Map()));
    return frames;
  };
  const claimKey = (deviceId: string, key: string, atMs: number): Claim | Promise<Claim> => {
    const frames = framesOf(deviceId);
    prune(frames, atMs);
    const seen = frames.get(key);
    if (typeof seen === 'number') return 'again';
    // A copy of a frame being stored: claimed afresh once that one is settled (or forgotten).
    if (seen) return new Promise<void>((wake) => (seen.waiters ??= []).push(wake)).then(() => claimKey(deviceId, key, atMs));
    const storing: Storing = { atMs, waiters: undefined };
    frames.set(key, storing);
    size += 1;
    if (frames.size > options.perStation) forget(frames, frames.keys().next().value!);
    return { deviceId, key, storing };
  };

  return {
    claim: (deviceId, qn, segment, atMs) => (qn === undefined ? undefined : claimKey(deviceId, hash('sha1', segment, 'base64'), atMs)),
    settle(ticket, stored) {
      if (ticket === undefined || ticket === 'again') return;
      const { deviceId, key, storing } = ticket;
      const frames = stations.get(deviceId);
      // Gone meanwhile (the station's newer frames took its place): not put back out of order.
      if (frames?.get(key) !== storing) return;
      if (!stored) return forget(frames, key);
      frames.set(key, storing.atMs);
      release(storing);
    },
    sweep(atMs) {
      for (const [deviceId, frames] of stations) {
        prune(frames, atMs);
        if (frames.size === 0) stations.delete(deviceId);
      }
    },
    get size() {
      return size;
    },
  };
}
