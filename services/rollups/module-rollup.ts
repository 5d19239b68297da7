import { getFamily, type FamilyId } from '../families/index.ts';
import { deviceTags } from '../registry/device-tags.ts';
import type { Point } from '../storage/line-protocol.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { DAY_MS } from '../standards/beijing-time.ts';
import { daySpans, type FamilyRollup, type RawRow } from './rollup-types.ts';
import { expectedSamplingMinutes } from './sampling-interval.ts';
import { summaryMeasurements, summaryOf, summaryPointFields } from './summary-combine.ts';

/**
 * The rollup of a family that declares its own (`dailyRollup` in its module, issue 25 item 4):
 * each device's day computed by the module, tagged with the device's tags, every field a float
 * (a field's type never changes between points).
 */
export function moduleRollup(family: FamilyId): FamilyRollup | null {
  const daily = getFamily(family).dailyRollup;
  if (!daily) return null;
  return {
    family,
    rawRange: (window) => ({ fromMs: window.startMs, toMs: window.endMs }),
    alsoDirty: () => [],
    measurements: (devices) => moduleMeasurements(family, devices),
    // A module's outputs lie within their day (define-family.ts dailyRollup); the months are the engine's own (module-month.ts).
    spans: (window, devices) => daySpans(window, moduleMeasurements(family, devices).filter((name) => !monthlyOf(family).includes(name))),
    compute(window, rowsByDevice, devices, context) {
      const points: Point[] = [];
      for (const device of devices) {
        const rows = rowsByDevice.get(device.id) ?? [];
        if (rows.length === 0) continue;
        // The engine always says; without it (the dashboards' probe, a unit test) the device's own, as the air and noise rollups take it.
        const sampling = context?.samplingMinutes?.get(device.id) ?? expectedSamplingMinutes(device, rows);
        for (const output of daily(window, rows, device.attributes, sampling)) {
          points.push({ measurement: output.measurement, tags: deviceTags(device), fields: Object.entries(output.fields).map(([name, value]) => [name, value, 'float']), timeMs: output.timeMs });
        }
      }
      return [...points, ...groupDays(family, window.startMs, points)];
    },
  };
}

/** Per registry list (the same object until the registry changes), each family's measurements: asked for every window (spans). */
const probed = new WeakMap<readonly DeviceRecord[], Map<FamilyId, string[]>>();

/**
 * The measurements a family's module writes: its daily rollup's are names in its code, so it is run once
 * over a day of readings every 5 minutes at each field's lowest value, for every device of the family (a
 * rain gauge and a depth gauge may write different ones); and its summary's months and groups.
 */
function moduleMeasurements(family: FamilyId, devices: readonly DeviceRecord[]): string[] {
  const known = probed.get(devices)?.get(family);
  if (known) return known;
  const names = probeMeasurements(family, devices);
  probed.set(devices, (probed.get(devices) ?? new Map<FamilyId, string[]>()).set(family, names));
  return names;
}

function probeMeasurements(family: FamilyId, devices: readonly DeviceRecord[]): string[] {
  const module = getFamily(family);
  const lowest: Record<string, number> = Object.fromEntries([...module.fieldTypes.keys()].map((field) => [field, 0]));
  for (const spec of Object.values(module.fields)) lowest[spec.field] = spec.min;
  const step = 5 * 60_000;
  const rows: RawRow[] = Array.from({ length: DAY_MS / step }, (_, i) => ({ time: i * step, fields: lowest }));
  const names = new Set<string>();
  for (const device of devices.filter((candidate) => candidate.family === family)) {
    for (const output of module.dailyRollup?.({ startMs: 0, endMs: DAY_MS }, rows, device.attributes, 5) ?? []) names.add(output.measurement);
  }
  const summary = summaryOf(family) ? summaryMeasurements(family) : null;
  if (summary) for (const name of [summary.daily, summary.monthly, summary.group?.daily, summary.group?.monthly]) if (name) names.add(name);
  return [...names];
}

/** The month measurements of a family's summary, which the engine writes from the stored days (module-month.ts). */
function monthlyOf(family: FamilyId): string[] {
  if (!summaryOf(family)) return [];
  const names = summaryMeasurements(family);
  return [names.monthly, ...(names.group ? [names.group.monthly] : [])];
}

/**
 * Issue 25, item 4: the day of each group the module declares (a charging station), from its
 * devices' days: tagged with the group's tag (and the street, when all its devices share one).
 */
function groupDays(family: FamilyId, dayStartMs: number, points: readonly Point[]): Point[] {
  const summary = summaryOf(family);
  const names = summaryMeasurements(family);
  if (!summary || !names.group) return [];
  const { tag } = names.group;
  const byGroup = new Map<string, Point[]>();
  for (const point of points) {
    const group = point.tags[tag];
    if (point.measurement !== names.daily || group === undefined || point.timeMs !== dayStartMs) continue;
    (byGroup.get(group) ?? byGroup.set(group, []).get(group)!).push(point);
  }
  return [...byGroup].flatMap(([group, members]) => {
    const fields = Object.entries(summaryPointFields(summary, members.map((point) => Object.fromEntries(point.fields.map(([name, value]) => [name, Number(value)]))), 'devices'));
    const streets = new Set(members.map((point) => point.tags.street));
    const street = streets.size === 1 ? [...streets][0] : undefined;
    if (fields.length === 0) return [];
    return [{ measurement: names.group!.daily, tags: { [tag]: group, ...(street ? { street } : {}) }, fields: fields.map(([name, value]) => [name, value, 'float'] as const), timeMs: dayStartMs }];
  });
}

/** The module rollups of every family that has one and no hand-written rollup among `builtIn`. */
export function moduleRollups(familyIds: readonly FamilyId[], builtIn: readonly FamilyRollup[]): FamilyRollup[] {
  const taken = new Set(builtIn.map((rollup) => rollup.family));
  return familyIds.filter((family) => !taken.has(family)).map(moduleRollup).filter((rollup): rollup is FamilyRollup => rollup !== null);
}
