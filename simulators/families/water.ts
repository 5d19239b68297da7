import { stormRunoff } from '../district-weather.ts';
import { clamp, round1, round2, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

/**
 * River sections sit near their target class, ammonia and phosphorus deciding it. After
 * a storm, runoff drops dissolved oxygen and raises ammonia, phosphorus and turbidity for
 * a day or two, which is when sections slip a class.
 */
export const simulateWater: FamilySimulator = (device, timeMs, { seed, rng }) => {
  const cleaner = device.attributes.targetClass === 'III' ? 0.55 : 1;
  const section = 0.85 + 0.3 * unitHash(seed, 'section', device.id);
  const runoff = stormRunoff(seed, timeMs);
  const load = cleaner * section * (1 + 1.6 * runoff);
  return {
    ph: round2(clamp(rng.normal(7.3 - 0.3 * runoff, 0.12), 6, 9)),
    do: round2(clamp(rng.normal(6.4 - 3 * runoff, 0.4), 0.5, 12)),
    codmn: round2(clamp(rng.normal(4.2 * load, 0.4), 0.5, 30)),
    cod: round1(clamp(rng.normal(15 * load, 1.5), 2, 90)),
    nh3n: round2(clamp(rng.normal(0.85 * load, 0.12), 0.05, 8)),
    tp: round2(clamp(rng.normal(0.17 * load, 0.03), 0.01, 1.5)),
    tn: round2(clamp(rng.normal(4 * load, 0.4), 0.3, 20)),
    turbidity: round1(clamp(rng.normal(10 + 90 * runoff, 3), 1, 500)),
    conductivity: round1(clamp(rng.normal(450 - 150 * runoff, 30), 50, 3_000)),
    waterTemperature: round1(rng.normal(24 - 5 * Math.cos(((timeMs / 86_400_000 - 20) / 365.25) * 2 * Math.PI), 0.5)),
    flow: round2(clamp(rng.normal(2.2 * (1 + 6 * runoff), 0.3), 0.1, 200)),
  };
};
