import { readFile } from 'node:fs/promises';
import { targetsFileSchema } from '../../services/compliance/targets.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { familyIds, type FamilyId } from '../../services/families/index.ts';
import type { DashboardDefinition } from './context.ts';
import { genericFamilyDashboard } from './boards/family-generic.ts';
import { discoverRollupSchema } from './rollup-schema.ts';
import { airDashboard } from './boards/air.ts';
import { complianceDashboard } from './boards/compliance.ts';
import { gridDashboard } from './boards/grid.ts';
import { noiseDashboard } from './boards/noise.ts';
import { overviewDashboard } from './boards/overview.ts';
import { parkingDashboard } from './boards/parking.ts';
import { platformDashboard } from './boards/platform.ts';
import { waterDashboard } from './boards/water.ts';
import { eventsDashboard } from './boards/events.ts';

/** The dashboards of the families that have one of their own. */
const familyDashboards: Partial<Record<FamilyId, DashboardDefinition>> = {
  air: airDashboard, water: waterDashboard, grid: gridDashboard, parking: parkingDashboard, noise: noiseDashboard,
};

/** The dashboards, one module each, registered here; a family without one gets the generic one. */
export const dashboards: readonly DashboardDefinition[] = [
  overviewDashboard,
  ...familyIds.map((family) => familyDashboards[family] ?? genericFamilyDashboard(family)),
  complianceDashboard,
  platformDashboard,
  eventsDashboard,
];

const root = new URL('../../', import.meta.url);

/** Every dashboard as the text of its JSON file: the same bytes on every run (stable ids, no timestamps). */
export async function buildAll(): Promise<Map<string, string>> {
  const registry = await loadRegistryFile(new URL('seeds/devices.json', root).pathname);
  const targets = targetsFileSchema.parse(JSON.parse(await readFile(new URL('seeds/targets.json', root), 'utf8')));
  const context = { schema: discoverRollupSchema(registry.devices), targets, devices: registry.devices };
  return new Map(dashboards.map((definition) => [definition.file, `${JSON.stringify(definition.build(context), null, 2)}\n`]));
}
