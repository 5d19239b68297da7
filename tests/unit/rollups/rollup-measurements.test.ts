import { describe, expect, it } from 'vitest';
import { discoverRollupSchema } from '../../../dashboards/src/rollup-schema.ts';
import { familyIds, getFamily } from '../../../services/families/index.ts';
import { intervalMeasurement } from '../../../services/hj212/intervals.ts';
import { loadRegistryFile } from '../../../services/registry/device-registry.ts';
import { airRollup } from '../../../services/rollups/air-rollup.ts';
import { createGridRollup } from '../../../services/rollups/grid-rollup.ts';
import { moduleRollups } from '../../../services/rollups/module-rollup.ts';
import { noiseRollup } from '../../../services/rollups/noise-rollup.ts';
import { parkingRollup } from '../../../services/rollups/parking-rollup.ts';
import { waterRollup } from '../../../services/rollups/water-rollup.ts';
import { summaryMeasurements, summaryOf } from '../../../services/rollups/summary-combine.ts';

// Rollup schema 3: the migration gives every stored rollup point its fields_present, measurement by
// measurement as the rollups name them (FamilyRollup.measurements); one it missed would drop out of the
// Grafana dashboards, one too many would be raw data stamped.
describe('the measurements each rollup says it writes', () => {
  it('are every measurement its compute() writes over a simulated day (the dashboards\' probe), months of the modules\' summaries included, and no raw one', async () => {
    const { devices } = await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname);
    const builtIn = [airRollup, waterRollup, noiseRollup, createGridRollup(), parkingRollup];
    const rollups = [...builtIn, ...moduleRollups(familyIds, builtIn)];
    const declared = new Map(rollups.map((rollup) => [rollup.family, rollup.measurements(devices)]));
    for (const [measurement, { family }] of discoverRollupSchema(devices).measurements) expect(declared.get(family), measurement).toContain(measurement);
    for (const family of familyIds.filter((id) => summaryOf(id))) {
      const names = summaryMeasurements(family);
      expect(declared.get(family)).toEqual(expect.arrayContaining([names.daily, names.monthly, ...(names.group ? [names.group.daily, names.group.monthly] : [])]));
    }
    const raw = familyIds.flatMap((family) => [getFamily(family).measurement, intervalMeasurement(getFamily(family).measurement)]);
    const all = [...declared.values()].flat();
    expect(all.filter((measurement) => raw.includes(measurement) || measurement.endsWith('_unreviewed'))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
  });
});
