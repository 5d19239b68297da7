import { getFamily, type FamilyId } from '../../../services/families/index.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { familyFieldPanels, rollupFieldPanels } from '../family-panels.ts';
import type { DashboardDefinition } from '../context.ts';
import { filters, streetVariable } from '../variables.ts';

/**
 * The dashboard of a family that has no dashboard of its own yet: every field it writes
 * and every field its rollups write, per device. A family module and its line in
 * services/families/index.ts are enough for it to appear at the next `npm run dashboards`.
 */
export function genericFamilyDashboard(family: FamilyId): DashboardDefinition {
  const module = getFamily(family);
  return {
    file: `family-${family}.json`,
    build({ schema }) {
      return buildDashboard({
        uid: `wanxiang-family-${family}`,
        title: `万象 · ${family}`,
        description: `Wanxiang: ${module.title}. Every field of the ${family} family (measurement ${module.measurement}) and of its rollups, per device.`,
        tags: [family],
        variables: [streetVariable(module.measurement)],
        sections: [
          { row: `${module.title}: fields`, panels: familyFieldPanels(family, [filters.street]) },
          { row: 'Rollups', collapsed: true, panels: rollupFieldPanels(schema, family, [filters.street]) },
        ],
      });
    },
  };
}
