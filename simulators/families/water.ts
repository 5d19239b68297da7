import { clamp, round1 } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

// Typical Luohu sections sit around Class III-IV: ammonia and phosphorus decide the class.
export const simulateWater: FamilySimulator = (device, _timeMs, rng) => {
  const cleaner = device.attributes.targetClass === 'III' ? 0.5 : 1;
  const r2 = (value: number) => Math.round(value * 100) / 100;
  return {
    ph: r2(clamp(rng.normal(7.3, 0.15), 6, 9)),
    do: r2(clamp(rng.normal(6.2, 0.6), 1, 12)),
    codmn: r2(clamp(rng.normal(4.5 * cleaner, 0.6), 0.5, 20)),
    cod: round1(clamp(rng.normal(16 * cleaner, 2), 2, 60)),
    nh3n: r2(clamp(rng.normal(0.9 * cleaner, 0.2), 0.05, 5)),
    tp: r2(clamp(rng.normal(0.18 * cleaner, 0.04), 0.01, 1)),
    tn: r2(clamp(rng.normal(4 * cleaner, 0.5), 0.3, 15)),
    turbidity: round1(clamp(rng.normal(12, 3), 1, 200)),
    conductivity: round1(clamp(rng.normal(450, 40), 50, 3_000)),
    waterTemperature: round1(rng.normal(24, 1)),
    flow: r2(clamp(rng.normal(2.5, 0.4), 0.1, 50)),
  };
};
