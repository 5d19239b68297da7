import { beijingHour, clamp, round1 } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

const nominalKv = { '220kV': 220, '110kV': 110, '10kV': 10.5 } as const;

// Load follows the working day: a morning ramp, an afternoon plateau, an evening peak.
export const simulateGrid: FamilySimulator = (device, timeMs, rng) => {
  const attributes = device.attributes as { ratedKva: number; voltageClass: keyof typeof nominalKv };
  const hour = beijingHour(timeMs);
  const shape = 0.35 + 0.3 * Math.exp(-((hour - 14) ** 2) / 18) + 0.2 * Math.exp(-((hour - 20) ** 2) / 4);
  const loadRate = clamp(rng.normal(shape, 0.04), 0.05, 1.2);
  const apparentKva = loadRate * attributes.ratedKva;
  const powerFactor = clamp(rng.normal(0.93, 0.01), 0.8, 0.99);
  const voltage = nominalKv[attributes.voltageClass] * rng.normal(1, 0.005);
  return {
    activePower: round1(apparentKva * powerFactor),
    reactivePower: round1(apparentKva * Math.sin(Math.acos(powerFactor))),
    voltage: Math.round(voltage * 100) / 100,
    current: round1(apparentKva / (Math.sqrt(3) * voltage)),
    powerFactor: Math.round(powerFactor * 1_000) / 1_000,
  };
};
