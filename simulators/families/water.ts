import { stormRunoff } from '../district-weather.ts';
import { clamp, round1, round2, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

const round3 = (value: number) => Math.round(value * 1_000) / 1_000;

/**
 * River sections sit near their target class, ammonia and phosphorus deciding it. After
 * a storm, runoff drops dissolved oxygen and raises ammonia, phosphorus and turbidity for
 * a day or two, which is when sections slip a class.
 */
const simulateRiver: FamilySimulator = (device, timeMs, { seed, rng }) => {
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

/**
 * 深圳水库, the drinking-water source: Class II by the 21 items with a margin (DO ≈ 7.8, CODMn ≈ 2.4,
 * NH3-N ≈ 0.12, TP ≈ 0.015 mg/L against the lake/reservoir limit 0.025), while total nitrogen sits
 * near 1.3 mg/L (Class IV on its own), as in the reservoirs of the Dongjiang supply: which is why TN is
 * reported beside the class and never sets it. A large, deep body of water: storms barely move it.
 * The values are plausible, not measured. TP keeps three decimals, the precision it is judged at.
 */
const simulateReservoir: FamilySimulator = (_device, timeMs, { seed, rng }) => {
  const runoff = stormRunoff(seed, timeMs);
  return {
    ph: round2(clamp(rng.normal(7.4, 0.1), 6.5, 8.5)),
    do: round2(clamp(rng.normal(7.8 - 0.3 * runoff, 0.25), 6.2, 11)),
    codmn: round2(clamp(rng.normal(2.4 + 0.3 * runoff, 0.2), 1, 3.8)),
    cod: round1(clamp(rng.normal(9 + runoff, 0.8), 4, 14)),
    nh3n: round2(clamp(rng.normal(0.12 + 0.04 * runoff, 0.03), 0.02, 0.4)),
    tp: round3(clamp(rng.normal(0.015 + 0.003 * runoff, 0.002), 0.005, 0.024)),
    tn: round2(clamp(rng.normal(1.3 + 0.1 * runoff, 0.1), 0.8, 2)),
    turbidity: round1(clamp(rng.normal(3 + 5 * runoff, 0.5), 0.5, 50)),
    conductivity: round1(clamp(rng.normal(140, 8), 60, 400)),
    waterTemperature: round1(rng.normal(23 - 5 * Math.cos(((timeMs / 86_400_000 - 20) / 365.25) * 2 * Math.PI), 0.4)),
    level: round2(clamp(rng.normal(26.5, 0.3), 20, 30)),
  };
};

/** A water section: reservoirs and lakes by their own model, rivers by theirs. */
export const simulateWater: FamilySimulator = (device, timeMs, context) =>
  (device.attributes.waterbody === 'river' ? simulateRiver : simulateReservoir)(device, timeMs, context);
