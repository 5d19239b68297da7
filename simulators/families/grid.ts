import { coolingSeason } from '../district-weather.ts';
import { beijingHourOfDay as beijingHour, beijingWeekday } from '../../services/standards/beijing-time.ts';
import { clamp, round1, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

const nominalKv = { '220kV': 220, '110kV': 110, '10kV': 10.5 } as const;

/**
 * Load follows the working day (morning ramp, afternoon plateau, evening peak), is lower
 * at weekends, and rises with summer air-conditioning. A few transformers are sized
 * tight for their area, so they run heavy (≥ 80 %) for hours on summer afternoons:
 * the plan's 重载 problem.
 */
export const simulateGrid: FamilySimulator = (device, timeMs, { seed, rng }) => {
  const attributes = device.attributes as { ratedKva: number; voltageClass: keyof typeof nominalKv; level: string };
  const hour = beijingHour(timeMs);
  const weekday = beijingWeekday(timeMs);
  const weekend = weekday === 0 || weekday === 6 ? 0.82 : 1;
  const daily = 0.32 + 0.28 * Math.exp(-((hour - 14.5) ** 2) / 16) + 0.16 * Math.exp(-((hour - 20.5) ** 2) / 4);
  const tight = attributes.level === 'transformer' && unitHash(seed, 'tight', device.id) < 0.2;
  const sizing = tight ? 1.35 : 0.8 + 0.25 * unitHash(seed, 'sizing', device.id);
  const loadRate = clamp(rng.normal((daily * weekend + 0.22 * coolingSeason(timeMs) * Math.exp(-((hour - 15) ** 2) / 20)) * sizing, 0.02), 0.03, 1.25);
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
