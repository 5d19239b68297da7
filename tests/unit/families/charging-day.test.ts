import { describe, expect, it } from 'vitest';
import { chargerStates } from '../../../services/families/ev-charging.ts';
import { getFamily } from '../../../services/families/index.ts';
import { loadRegistryFile } from '../../../services/registry/device-registry.ts';
import { generateReading } from '../../../simulators/generate-reading.ts';

const MINUTE = 60_000;
const code = (name: (typeof chargerStates)[number]) => chargerStates.indexOf(name);

/** Issue 25: a day at the district's public chargers as the simulator makes it (clock-driven, as in a backfill). */
describe('a simulated day of EV charging', async () => {
  const registry = await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname);
  const chargers = registry.devices.filter((d) => d.family === 'ev_charging');
  const dayStart = Date.parse('2026-07-15T00:00:00+08:00');
  const busyAt = (hour: number) => {
    let busy = 0;
    let total = 0;
    for (let m = 0; m < 60; m += 5) for (const d of chargers) {
      total += 1;
      if (generateReading(2025, d, dayStart + hour * 3_600_000 + m * MINUTE).state === code('charging')) busy += 1;
    }
    return busy / total;
  };

  it('peaks in the evening: more chargers busy at 19:00-20:00 than at 05:00 or 10:00', () => {
    const evening = busyAt(19);
    expect(evening).toBeGreaterThan(0.45);
    expect(evening).toBeGreaterThan(busyAt(5) + 0.2);
    expect(evening).toBeGreaterThan(busyAt(10) + 0.2);
  });

  it('has a few faults in a week, and every reading passes the family schema', () => {
    let faultyChargerDays = 0;
    for (let day = 0; day < 7; day += 1) for (const d of chargers) {
      let faulted = false;
      for (let m = 0; m < 1_440; m += 10) {
        const values = generateReading(2025, d, dayStart + day * 86_400_000 + m * MINUTE);
        expect(getFamily('ev_charging').valuesSchema.safeParse(values).success).toBe(true);
        expect(getFamily('ev_charging').inconsistency?.(values)).toBeNull();
        faulted ||= values.state === code('fault');
      }
      if (faulted) faultyChargerDays += 1;
    }
    // About one charger-day in twenty: a few, not none and not a wall of them.
    expect(faultyChargerDays).toBeGreaterThan(0);
    expect(faultyChargerDays).toBeLessThan(7 * chargers.length * 0.15);
  });

  it('counts energy delivered today up, and from 0 again after midnight', () => {
    const charger = chargers.find((d) => d.attributes.connector === 'dc')!;
    let previous = 0;
    for (let m = 0; m < 1_440; m += 5) {
      const energy = generateReading(2025, charger, dayStart + m * MINUTE).energyToday!;
      expect(energy).toBeGreaterThanOrEqual(previous - 0.05);
      previous = energy;
    }
    expect(previous).toBeGreaterThan(100);
    expect(generateReading(2025, charger, dayStart + 86_400_000 + MINUTE).energyToday).toBeLessThan(previous / 10);
  });

  it('in npm start the chargers live a compressed evening: busier an hour after start than at start', () => {
    const runStartMs = Date.parse('2026-12-06T02:40:00+08:00');
    const share = (atMs: number) => chargers.filter((d) => generateReading(2025, d, atMs, { runStartMs }).state === code('charging')).length / chargers.length;
    const mean = (fromMs: number) => Array.from({ length: 12 }, (_, i) => share(fromMs + i * 2 * MINUTE)).reduce((a, b) => a + b, 0) / 12;
    expect(mean(runStartMs + 40 * MINUTE)).toBeGreaterThan(mean(runStartMs - 0) + 0.1);
  });
});
