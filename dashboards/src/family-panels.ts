import { getFamily, type FamilyId, type FieldSpec } from '../../services/families/index.ts';
import { agg, holding, InfluxQueryBuilder, select } from './influx-query.ts';
import { timeseries, type AnyPanel } from './panel-kit.ts';
import type { RollupSchema } from './rollup-schema.ts';
import { conditions, type Filter } from './variables.ts';

/** Grafana unit ids for the units the family modules use; anything else is shown as a suffix. */
export function grafanaUnit(unit: string): string {
  const known: Record<string, string> = { '%': 'percent', '°C': 'celsius', hPa: 'pressurehpa', kW: 'kwatt', kV: 'kvolt', A: 'amp', '1': 'none' };
  return known[unit] ?? `suffix: ${unit}`;
}

/** Every field a family writes, its derived fields included, with unit and description. */
export function familyFields(family: FamilyId): Array<{ field: string; unit: string; description: string }> {
  const module = getFamily(family);
  const measured = Object.values(module.fields as Record<string, FieldSpec>).map((spec) => ({ field: spec.field, unit: spec.unit, description: spec.description }));
  const derived = Object.entries(module.derivedFields ?? {}).map(([field, spec]) => ({ field, unit: spec.unit, description: spec.description }));
  return [...measured, ...derived];
}

/**
 * A panel per field of a family, per device, from the family module alone: a new field or
 * a new family gets its panels at the next `npm run dashboards`, without editing JSON.
 */
export function familyFieldPanels(family: FamilyId, active: readonly Filter[]): AnyPanel[] {
  const module = getFamily(family);
  return familyFields(family).map(({ field, unit, description }) =>
    timeseries({
      title: `${description} (${field})`,
      description: `${module.title}: mean of ${field} per device and interval, ${unit}.`,
      unit: grafanaUnit(unit),
      width: 8,
      targets: [new InfluxQueryBuilder(select(agg('mean', field), module.measurement, { where: conditions(active), groupBy: ['device'], interval: 'none' })).alias('$tag_device')],
    }),
  );
}

/** A panel per numeric field of each rollup measurement of the family, as the rollups write them (rows whose fields_present lists it). */
export function rollupFieldPanels(schema: RollupSchema, family: FamilyId, active: readonly Filter[]): AnyPanel[] {
  return [...schema.measurements].filter(([, entry]) => entry.family === family).flatMap(([measurement, entry]) =>
    schema.numericFields(measurement).map((field) => {
      // A group's rollup (a charging station's day, issue 25 item 4) per group, from the module's summary.
      const group = getFamily(family).rollupSummary?.groupBy?.tag;
      const groupBy = entry.tags.has('device') ? ['device'] : group && entry.tags.has(group) ? [group] : [];
      return timeseries({
        title: `${measurement}.${field}`,
        description: `Rollup ${measurement}, field ${field}: as services/rollups writes it.`,
        width: 8,
        height: 7,
        targets: [new InfluxQueryBuilder(select(agg('mean', field), measurement, { where: [...conditions(active, entry.tags), ...holding(field)], groupBy, interval: 'none' })).alias(groupBy.length ? `$tag_${groupBy[0]}` : field)],
      });
    }),
  );
}

/** A field a family writes (a derived one such as load_rate_pct included), checked against the family module. */
export function fieldOf(family: FamilyId, field: string): string {
  if (!getFamily(family).fieldTypes.has(field)) throw new Error(`the ${family} family writes no field ${field}`);
  return field;
}
