import { beijingDayNumber as beijingDay, beijingHourOfDay as beijingHour } from '../../services/standards/beijing-time.ts';
import { clamp, round2, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

const round3 = (value: number) => Math.round(value * 1_000) / 1_000;

/**
 * A jewellery workshop's exhaust point (plan l.3232-3234): solvents while the workshop works
 * (08:00-20:00 Beijing), little at night, and on some days a badly kept scrubber that pushes
 * NMHC towards GB 16297-1996's 120 mg/m³. Illustrative values, not measurements.
 */
export const simulateVoc: FamilySimulator = (device, timeMs, { seed, rng }) => {
  const hour = beijingHour(timeMs);
  const working = hour >= 8 && hour < 20 ? 1 : 0.12;
  const badScrubberDay = unitHash(seed, 'voc-scrubber', device.id, beijingDay(timeMs)) < 0.1 ? 3.5 : 1;
  const nmhc = clamp(rng.normal(22 * working * badScrubberDay, 3 * working), 0.3, 400);
  const solvent = nmhc / 22;
  return {
    nmhc: round2(nmhc),
    thc: round2(nmhc + clamp(rng.normal(1.8, 0.1), 1.2, 2.5)),
    benzene: round3(clamp(rng.normal(0.12 * solvent, 0.02), 0, 50)),
    toluene: round2(clamp(rng.normal(2.4 * solvent, 0.3), 0, 200)),
    ethylbenzene: round2(clamp(rng.normal(0.9 * solvent, 0.1), 0, 200)),
    xylene: round2(clamp(rng.normal(3.1 * solvent, 0.4), 0, 200)),
    // Polishing and cleaning solvents: ketones, esters and alcohols beside the aromatics.
    formaldehyde: round3(clamp(rng.normal(0.08 * solvent, 0.015), 0, 20)),
    acetone: round2(clamp(rng.normal(4.2 * solvent, 0.5), 0, 500)),
    ethylAcetate: round2(clamp(rng.normal(3.6 * solvent, 0.4), 0, 500)),
    methanol: round2(clamp(rng.normal(1.5 * solvent, 0.2), 0, 500)),
  };
};
