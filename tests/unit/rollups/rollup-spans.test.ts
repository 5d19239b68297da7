import { describe, expect, it } from 'vitest';
import { familyIds, getFamily } from '../../../services/families/index.ts';
import { loadRegistryFile } from '../../../services/registry/device-registry.ts';
import type { DeviceRecord } from '../../../services/registry/registry-schema.ts';
import { airRollup } from '../../../services/rollups/air-rollup.ts';
import { createGridRollup } from '../../../services/rollups/grid-rollup.ts';
import { moduleRollups } from '../../../services/rollups/module-rollup.ts';
import { noiseRollup } from '../../../services/rollups/noise-rollup.ts';
import { parkingRollup } from '../../../services/rollups/parking-rollup.ts';
import { dayOf, dayWindow, type FamilyRollup, type RawRow } from '../../../services/rollups/rollup-types.ts';
import { waterRollup } from '../../../services/rollups/water-rollup.ts';

// The engine takes a stored point within a window's spans that the window no longer yields for stale and
// writes its tombstone (services/rollups/stale-points.ts). A point a rollup writes outside its window's
// spans would never be judged; two windows' spans that overlap would each take the other's points for stale.
const builtIn = [airRollup, waterRollup, noiseRollup, createGridRollup(), parkingRollup];
const rollups: FamilyRollup[] = [...builtIn, ...moduleRollups(familyIds, builtIn)];
const probeDay = dayOf(Date.parse('2025-07-15T12:00:00+08:00'));

/** Readings every 5 minutes over the rollup's raw range, each field at the middle of its range; a transformer heavily loaded 09:00-14:00. */
function rowsOf(rollup: FamilyRollup, devices: readonly DeviceRecord[], day: number): Map<string, RawRow[]> {
  const family = getFamily(rollup.family);
  const middle: Record<string, number> = Object.fromEntries([...family.fieldTypes.keys()].map((field) => [field, 1]));
  for (const spec of Object.values(family.fields)) middle[spec.field] = (spec.min + spec.max) / 2;
  const range = rollup.rawRange(dayWindow(day));
  const rows: RawRow[] = [];
  for (let time = range.fromMs; time < range.toMs; time += 300_000) {
    const hour = new Date(time + 8 * 3_600_000).getUTCHours();
    rows.push({ time, fields: rollup.family === 'grid' ? { ...middle, load_rate_pct: hour >= 9 && hour < 14 ? 90 : 50 } : middle });
  }
  return new Map(devices.map((device) => [device.id, rows]));
}

describe('the spans each rollup says its windows answer for', () => {
  it('hold every point its compute() writes, and a day\'s own spans never overlap the next day\'s', async () => {
    const { devices } = await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname);
    for (const rollup of rollups) {
      const family = devices.filter((device) => device.family === rollup.family);
      const window = dayWindow(probeDay);
      const spans = rollup.spans(window, devices);
      const points = rollup.compute(window, rowsOf(rollup, family, probeDay), family);
      expect(points.length, rollup.family).toBeGreaterThan(0);
      for (const point of points) {
        const held = spans.some((span) => span.measurement === point.measurement && point.timeMs >= span.fromMs && point.timeMs < span.toMs);
        expect(held, `${rollup.family}: ${point.measurement} at ${new Date(point.timeMs).toISOString()}`).toBe(true);
      }
      const next = rollup.spans(dayWindow(probeDay + 1), devices);
      for (const span of spans.filter((candidate) => !candidate.shared)) {
        const overlapping = next.filter((other) => other.measurement === span.measurement && other.fromMs < span.toMs && span.fromMs < other.toMs);
        expect(overlapping, `${rollup.family}: ${span.measurement}`).toEqual([]);
      }
    }
  });

  it('name every measurement a window writes (its months aside, which the engine writes from the stored days)', async () => {
    const { devices } = await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname);
    for (const rollup of rollups) {
      const named = new Set(rollup.spans(dayWindow(probeDay), devices).map((span) => span.measurement));
      const months = rollup.measurements(devices).filter((name) => !named.has(name));
      expect(months.every((name) => name.endsWith('_monthly')), `${rollup.family}: ${months.join(', ')}`).toBe(true);
    }
  });
});
