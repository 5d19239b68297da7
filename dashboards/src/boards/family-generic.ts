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
  // Grafana uids and file names in kebab-case (a family id may hold an underscore).
  const slug = family.replace(/_/g, '-');
  return {
    file: `family-${slug}.json`,
    build({ schema }) {
      return buildDashboard({
        uid: `wanxiang-family-${slug}`,
        title: `万象 · ${module.presentation?.label.zh ?? family}`,
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
