import { readFile } from 'node:fs/promises';
import { targetsFileSchema } from '../../services/compliance/targets.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import type { DashboardDefinition } from './context.ts';
import { discoverRollupSchema } from './rollup-schema.ts';
import { airDashboard } from './boards/air.ts';
import { complianceDashboard } from './boards/compliance.ts';
import { gridDashboard } from './boards/grid.ts';
import { noiseDashboard } from './boards/noise.ts';
import { overviewDashboard } from './boards/overview.ts';
import { parkingDashboard } from './boards/parking.ts';
import { platformDashboard } from './boards/platform.ts';
import { waterDashboard } from './boards/water.ts';

/** The dashboards, one module each, registered here. */
export const dashboards: readonly DashboardDefinition[] = [
  overviewDashboard, airDashboard, waterDashboard, gridDashboard, parkingDashboard, noiseDashboard, complianceDashboard, platformDashboard,
];

const root = new URL('../../', import.meta.url);

/** Every dashboard as the text of its JSON file: the same bytes on every run (stable ids, no timestamps). */
export async function buildAll(): Promise<Map<string, string>> {
  const registry = await loadRegistryFile(new URL('seeds/devices.json', root).pathname);
  const targets = targetsFileSchema.parse(JSON.parse(await readFile(new URL('seeds/targets.json', root), 'utf8')));
  const context = { schema: discoverRollupSchema(registry.devices), targets };
  return new Map(dashboards.map((definition) => [definition.file, `${JSON.stringify(definition.build(context), null, 2)}\n`]));
}
