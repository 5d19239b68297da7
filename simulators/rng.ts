/** A seeded generator (mulberry32): the same seed gives the same sequence on every machine. */
export interface Rng {
  next(): number;
  /** Normally distributed, by Box-Muller. */
  normal(mean: number, sd: number): number;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    normal(mean, sd) {
      const u = Math.max(next(), Number.EPSILON);
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

/**
 * A 32-bit hash of a seed and any parts (FNV-1a over their text, then a murmur finaliser).
 * Readings are a pure function of (seed, device, time) through it, so the fleet, a
 * backfill and a test produce the same values whatever order they run in.
 */
export function hashSeed(seed: number, ...parts: ReadonlyArray<string | number>): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  const text = parts.join('\u0001');
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** A uniform number in [0, 1) fixed by the seed and the parts. */
export const unitHash = (seed: number, ...parts: ReadonlyArray<string | number>) => hashSeed(seed, ...parts) / 4_294_967_296;

// Beijing time (hours, days, weekdays, year fraction) lives in services/standards/beijing-time.ts.

export const round1 = (value: number) => Math.round(value * 10) / 10;
export const round2 = (value: number) => Math.round(value * 100) / 100;
export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
