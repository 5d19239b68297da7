import { familyIds, getFamily, type Bilingual, type FamilyId } from '../families/index.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { FIELDS_PRESENT, isTombstone, presentRowOf } from '../rollups/fields-present.ts';
import { combineSummary, summaryMeasurements, summaryOf, summaryReads, type SummaryFields } from '../rollups/summary-combine.ts';
import type { InfluxClient } from '../storage/influx-client.ts';

/**
 * Issue 25, item 4: the key figures of the families whose modules declare a `rollupSummary`
 * (depths and rain at low points, chargers' availability and faults, ...), for a span of Beijing days.
 * The plan sets no numeric target for any of them (docs/officers.md, "Figures without a plan
 * target"): they are reported as figures with `planTarget: null`, never judged met or breached.
 */
export interface FamilyFigure {
  readonly family: FamilyId;
  readonly familyLabel: Bilingual;
  readonly field: string;
  readonly label: Bilingual;
  readonly unit: string;
  /** The district's figure: each device's days combined, then the devices combined (the module's `across`). */
  readonly value: number | null;
  /** Devices with at least one day in the span that counts (not one its module marks invalid), of the family's registered devices. */
  readonly devices: number;
  readonly registered: number;
  /** The same figure per group (a charging station), when the module groups devices. */
  readonly groups: ReadonlyArray<{ readonly group: string; readonly name: Bilingual; readonly value: number | null }>;
  readonly groupLabel: Bilingual | null;
  /** No numeric target in the plan (plan-targets.md): always null, so no verdict is given. */
  readonly planTarget: null;
}

const words = (slug: string) => slug.split('-').filter(Boolean).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');

/**
 * A group's name as the registry gives it (a charging station's `stationName` on its chargers), in
 * both languages; an English name the registry lacks is the id's words, never the Chinese (issue 22 item 1).
 */
function groupName(registry: DeviceRegistry, family: FamilyId, tag: string, group: string): Bilingual {
  const attributes = registry.devices.find((device) => device.family === family && device.attributes[tag] === group)?.attributes ?? {};
  const zh = attributes[`${tag}Name`];
  const en = attributes[`${tag}NameEn`];
  return { zh: typeof zh === 'string' ? zh : group, en: typeof en === 'string' ? en : words(group) };
}

type Row = Record<string, number | null> & { readonly key: string };

async function seriesRows(influx: InfluxClient, measurement: string, fields: readonly string[], groupBy: string, fromMs: number, toMs: number): Promise<Row[]> {
  // With each day's fields_present: a day a review mark emptied keeps its old figures in InfluxDB (fields-present.ts).
  const series = await influx.query(`SELECT ${fields.map((field) => `"${field}"`).join(', ')}, "${FIELDS_PRESENT}" FROM "${measurement}" WHERE time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY "${groupBy}"`);
  // A tombstone (a day a mark emptied or a recomputation no longer yields, rollups/stale-points.ts) is no day.
  return series.flatMap(({ tags, columns, values }) => values.map((row) => presentRowOf(columns, row)).filter((present) => !isTombstone(present)).map((present) => {
    return {
      key: tags?.[groupBy] ?? '',
      ...Object.fromEntries(fields.map((field) => [field, typeof present[field] === 'number' ? (present[field] as number) : null])),
    } as Row;
  }));
}

const byKey = (rows: readonly Row[]) => {
  const map = new Map<string, Row[]>();
  for (const row of rows) (map.get(row.key) ?? map.set(row.key, []).get(row.key)!).push(row);
  return map;
};

async function figuresOf(influx: InfluxClient, registry: DeviceRegistry, family: FamilyId, fromMs: number, toMs: number): Promise<FamilyFigure[]> {
  const summary = summaryOf(family)!;
  const names = summaryMeasurements(family);
  const fields = summaryReads(summary);
  const perDevice = [...byKey(await seriesRows(influx, names.daily, fields, 'device', fromMs, toMs)).values()].map((days) => combineSummary(summary, days as SummaryFields[], 'days'));
  const district = combineSummary(summary, perDevice, 'devices');
  const perGroup = names.group
    ? [...byKey(await seriesRows(influx, names.group.daily, fields, names.group.tag, fromMs, toMs))].map(([group, days]) => ({ group, fields: combineSummary(summary, days as SummaryFields[], 'days') })).sort((a, b) => a.group.localeCompare(b.group))
    : [];
  const module = getFamily(family);
  return Object.entries(summary.fields).filter(([, spec]) => spec.key).map(([field, spec]) => ({
    family,
    familyLabel: module.presentation?.label ?? { zh: module.title, en: module.title },
    field,
    label: spec.label,
    unit: spec.unit,
    value: district[field] ?? null,
    devices: perDevice.filter((device) => device[field] !== undefined).length,
    registered: registry.devices.filter((device) => device.family === family).length,
    groups: perGroup.map(({ group, fields: values }) => ({ group, name: groupName(registry, family, names.group!.tag, group), value: values[field] ?? null })),
    groupLabel: summary.groupBy?.label ?? null,
    planTarget: null,
  }));
}

/** Every family's key figures over [fromMs, toMs) (Beijing days), from the daily rollups. */
export async function familyFigures(deps: { influx: InfluxClient; registry: DeviceRegistry }, fromMs: number, toMs: number): Promise<FamilyFigure[]> {
  const families = familyIds.filter((family) => summaryOf(family) !== null);
  return (await Promise.all(families.map((family) => figuresOf(deps.influx, deps.registry, family, fromMs, toMs)))).flat();
}
