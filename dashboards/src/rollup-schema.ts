import { familyIds, getFamily, type FamilyId } from '../../services/families/index.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { airRollup } from '../../services/rollups/air-rollup.ts';
import { createGridRollup } from '../../services/rollups/grid-rollup.ts';
import { moduleRollups } from '../../services/rollups/module-rollup.ts';
import { noiseRollup } from '../../services/rollups/noise-rollup.ts';
import { parkingRollup } from '../../services/rollups/parking-rollup.ts';
import { dayWindow, dayOf, type FamilyRollup, type RawRow } from '../../services/rollups/rollup-types.ts';
import { waterRollup } from '../../services/rollups/water-rollup.ts';
import type { FieldType } from '../../services/storage/line-protocol.ts';
import { generateReading } from '../../simulators/generate-reading.ts';

/** What the rollups write: per measurement, its fields (with their types) and tag keys. */
export interface RollupSchema {
  readonly measurements: ReadonlyMap<string, { readonly family: FamilyId; readonly fields: ReadonlyMap<string, FieldType>; readonly tags: ReadonlySet<string> }>;
  /** The field's name, checked: a panel naming a field no rollup writes fails the generation. */
  field(measurement: string, field: string): string;
  /** Numeric fields of a measurement, in the order the rollup writes them. */
  numericFields(measurement: string): string[];
}

const builtIn: readonly FamilyRollup[] = [airRollup, waterRollup, noiseRollup, createGridRollup(), parkingRollup];
// And the rollups family modules declare (issue 25, item 4).
const rollups: readonly FamilyRollup[] = [...builtIn, ...moduleRollups(familyIds, builtIn)];
// A fixed Beijing day, so that discovery (and the JSON it leads to) is the same on every run.
const probeDay = dayOf(Date.parse('2025-07-15T12:00:00+08:00'));
const minuteMs = 60_000;

/** The raw rows a device would have stored: payload keys mapped to fields, derived fields added, as ingest does. */
function probeRows(device: DeviceRecord, fromMs: number, toMs: number): RawRow[] {
  const family = getFamily(device.family);
  const step = Math.max(family.reportIntervalMs, 5 * minuteMs);
  const rows: RawRow[] = [];
  for (let time = fromMs; time < toMs; time += step) {
    const values = generateReading(2025, device, time);
    const fields: Record<string, number> = {};
    for (const [key, value] of Object.entries(values)) if (family.fields[key]) fields[family.fields[key].field] = value;
    Object.assign(fields, family.derive?.(values, device.attributes) ?? {});
    rows.push({ time, fields });
  }
  return rows;
}

/**
 * Grid events happen only on a loaded day: the probe gives the first transformer an
 * afternoon above the heavy and then the overload threshold, so that every measurement
 * the grid rollup can write shows up.
 */
function withLoadEvent(rows: RawRow[], startMs: number): RawRow[] {
  return rows.map((row) => {
    const hour = (row.time - startMs) / 3_600_000;
    const boost = hour >= 12 && hour < 15 ? 90 : hour >= 15 && hour < 18 ? 130 : null;
    return boost === null ? row : { time: row.time, fields: { ...row.fields, load_rate_pct: boost } };
  });
}

/**
 * Runs every rollup's pure compute() over a simulated day of the registry's devices and
 * records what it writes. The dashboards take the rollups' measurement and field names
 * from here rather than restating them, and get a panel for every numeric field.
 */
export function discoverRollupSchema(devices: readonly DeviceRecord[]): RollupSchema {
  const window = dayWindow(probeDay);
  const measurements = new Map<string, { family: FamilyId; fields: Map<string, FieldType>; tags: Set<string> }>();
  for (const rollup of rollups) {
    const familyDevices = devices.filter((device) => device.family === rollup.family);
    const range = rollup.rawRange(window);
    const rows = new Map(familyDevices.map((device) => [device.id, probeRows(device, range.fromMs, range.toMs)]));
    if (rollup.family === 'grid') {
      const transformer = familyDevices.find((device) => device.attributes.level === 'transformer');
      if (transformer) rows.set(transformer.id, withLoadEvent(rows.get(transformer.id)!, window.startMs));
    }
    for (const point of rollup.compute(window, rows, familyDevices)) {
      let entry = measurements.get(point.measurement);
      if (!entry) measurements.set(point.measurement, (entry = { family: rollup.family, fields: new Map(), tags: new Set() }));
      for (const [name, , type] of point.fields) entry.fields.set(name, type);
      for (const tag of Object.keys(point.tags)) entry.tags.add(tag);
    }
  }
  return {
    measurements,
    field(measurement, field) {
      const entry = measurements.get(measurement);
      if (!entry) throw new Error(`no rollup writes the measurement ${measurement}`);
      if (!entry.fields.has(field)) throw new Error(`the rollup of ${measurement} writes no field ${field} (it writes ${[...entry.fields.keys()].join(', ')})`);
      return field;
    },
    numericFields(measurement) {
      return [...(measurements.get(measurement)?.fields ?? new Map<string, FieldType>())].filter(([, type]) => type !== 'string').map(([name]) => name);
    },
  };
}

