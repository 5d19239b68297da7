import type { CpItem, Packet } from './packet.ts';

/**
 * Split packets (Flag bit D, HJ 212-2017 C.49/C.50): each sub-packet carries its own QN, the
 * same PNUM and its PNO, and repeats DataTime. They are put together by station, command,
 * PNUM and DataTime (QNs differ per sub-packet; some devices repeat one QN, which is fine
 * too), in PNO order, whatever order they came in and however they interleave with other
 * sets. A set not complete within the timeout is given up (counted); at most `maxSets` sets
 * wait at once, the oldest given up first, so a device cannot grow memory without bound. Nor
 * can it with a few sets of many parts: a station's PNUM says up to 9999, and one set could hold
 * 9998 parts (40 MB of 4 KB segments) until its timeout (red team 3). At most `maxParts` parts
 * wait in all (by default 10 a set on average), the oldest sets given up first.
 */
export interface SplitSet {
  readonly key: string;
  readonly pnum: number;
  readonly parts: ReadonlyMap<number, Packet>;
  readonly firstAtMs: number;
}

export type ReassemblyResult =
  | { readonly kind: 'complete'; readonly packet: Packet; readonly parts: number }
  | { readonly kind: 'waiting'; readonly have: number; readonly of: number }
  | { readonly kind: 'duplicate' };

export interface Reassembler {
  add(packet: Packet, atMs: number): ReassemblyResult;
  /** Sets older than the timeout, removed and returned (given up). */
  expire(nowMs: number): SplitSet[];
  readonly pending: number;
}

const dataTimeOf = (packet: Packet) => packet.cp.find((item) => item.code === 'DataTime')?.value ?? '';

export function splitKey(packet: Packet): string {
  return [packet.mn ?? '', packet.cn ?? '', packet.pnum ?? '', dataTimeOf(packet)].join('\u0000');
}

export function createReassembler(options: { timeoutMs: number; maxSets: number; maxParts?: number; onEvicted?: (set: SplitSet) => void }): Reassembler {
  // Insertion order is age order: the first entry is the oldest set.
  const sets = new Map<string, { pnum: number; parts: Map<number, Packet>; firstAtMs: number }>();
  const maxParts = options.maxParts ?? options.maxSets * 10;
  let held = 0;
  const evictOldest = () => {
    const [oldestKey, oldest] = sets.entries().next().value!;
    sets.delete(oldestKey);
    held -= oldest.parts.size;
    options.onEvicted?.({ key: oldestKey, ...oldest });
  };
  return {
    add(packet, atMs) {
      const pnum = packet.pnum ?? 1;
      const pno = packet.pno ?? 1;
      const key = splitKey(packet);
      if (sets.get(key)?.parts.has(pno)) return { kind: 'duplicate' };
      // Room for one more part (the oldest sets go, this one too if it is the oldest) and, for a new set, one more set.
      while (sets.size > 0 && (held >= maxParts || (!sets.has(key) && sets.size >= options.maxSets))) evictOldest();
      let set = sets.get(key);
      if (!set) sets.set(key, (set = { pnum, parts: new Map(), firstAtMs: atMs }));
      set.parts.set(pno, packet);
      held += 1;
      if (set.parts.size < set.pnum) return { kind: 'waiting', have: set.parts.size, of: set.pnum };
      sets.delete(key);
      held -= set.parts.size;
      const ordered = [...set.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
      // One DataTime for the whole: every part repeats it.
      const cp: CpItem[] = [];
      let dataTimeKept = false;
      for (const part of ordered) {
        for (const item of part.cp) {
          if (item.code === 'DataTime' && item.suffix === '') {
            if (dataTimeKept) continue;
            dataTimeKept = true;
          }
          cp.push(item);
        }
      }
      const { pnum: _pnum, pno: _pno, ...first } = ordered[0]!;
      return { kind: 'complete', packet: { ...first, cp }, parts: ordered.length };
    },
    expire(nowMs) {
      const expired: SplitSet[] = [];
      for (const [key, set] of sets) {
        if (nowMs - set.firstAtMs < options.timeoutMs) break;
        sets.delete(key);
        held -= set.parts.size;
        expired.push({ key, ...set });
      }
      return expired;
    },
    get pending() {
      return sets.size;
    },
  };
}
