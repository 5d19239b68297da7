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

/** Hour of day in Beijing time (UTC+8, no daylight saving), fractional. */
export function beijingHour(timeMs: number): number {
  return (((timeMs / 3_600_000 + 8) % 24) + 24) % 24;
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
