/**
 * A search over a byte stream that never looks at a byte twice (red team: the framer searched
 * the whole buffer again at every `##`, ~300 ms of CPU a MiB of `##0001`). Positions are
 * absolute: bytes of the stream before the buffer plus the index in it, so a search survives the
 * buffer being cut at the front or grown at the back, and resumes where it stopped.
 *
 * It finds the first place at or after `start` where the pattern begins, looking no further
 * than `end`: the framer searches only where the declared length allows a line end. No buffer
 * is allocated per search (a subarray a search cost more than the searching).
 */
export interface StreamSearch {
  /** The first match beginning in [start, end - pattern length], absolute positions; -1 when none (or not yet). */
  find(buffer: Uint8Array, base: number, start: number, end: number): number;
}

/** `pattern`: one byte (LF) or two equal bytes (`##`). `counted`: told of each byte looked at. */
export function createStreamSearch(pattern: { readonly byte: number; readonly twice: boolean }, counted: (bytes: number) => void): StreamSearch {
  const { byte, twice } = pattern;
  const length = twice ? 2 : 1;
  // No match begins in [from, to); `found` is the first match at or after `from` once seen (then to === found).
  let from = 0;
  let to = 0;
  let found = -1;
  return {
    find(buffer, base, start, end) {
      if (start < from || start > to || (found !== -1 && found < start)) {
        from = to = start;
        found = -1;
      }
      if (found === -1) {
        // The last place a match may begin, plus one.
        const limit = Math.min(end, base + buffer.length) - length + 1;
        let at = to;
        if (twice) {
          while (at < limit && !(buffer[at - base] === byte && buffer[at - base + 1] === byte)) at += 1;
        } else {
          while (at < limit && buffer[at - base] !== byte) at += 1;
        }
        if (at > to) counted(at - to);
        if (at < limit) {
          found = at;
          to = at;
          counted(length);
        } else if (limit > to) to = limit;
      }
      return found !== -1 && found + length <= end ? found : -1;
    },
  };
}
