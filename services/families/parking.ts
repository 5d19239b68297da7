import { z } from 'zod';
import { defineFamily } from './define-family.ts';

/** Parking lots: occupancy and flows, so off-peak sharing (plan lines 1889-1897) can be found. */
export const parkingFamily = defineFamily({
  id: 'parking',
  title: 'Parking lot',
  measurement: 'parking',
  reportIntervalMs: 5 * 60_000,
  qos: 1,
  fields: {
    totalSpaces: { label: { zh: '总车位', en: 'Total spaces' }, field: 'total_spaces', unit: 'spaces', min: 0, max: 50_000, type: 'int', required: true, description: 'spaces in service' },
    occupiedSpaces: { label: { zh: '已占车位', en: 'Occupied spaces' }, field: 'occupied_spaces', unit: 'spaces', min: 0, max: 50_000, type: 'int', required: true, description: 'occupied spaces' },
    entries: { label: { zh: '驶入', en: 'Entries' }, field: 'entries', unit: 'vehicles', min: 0, max: 100_000, type: 'int', description: 'entries in the interval' },
    exits: { label: { zh: '驶出', en: 'Exits' }, field: 'exits', unit: 'vehicles', min: 0, max: 100_000, type: 'int', description: 'exits in the interval' },
  },
  attributes: z.strictObject({
    capacity: z.number().int().positive().max(50_000),
    lotKind: z.enum(['office', 'hospital', 'shopping', 'residential', 'transport']),
  }),
  tagsFrom: (attributes) => ({ lot_kind: attributes.lotKind }),
  inconsistency: (values) =>
    (values.occupiedSpaces ?? 0) > (values.totalSpaces ?? 0)
      ? `occupiedSpaces ${values.occupiedSpaces} exceeds totalSpaces ${values.totalSpaces}`
      : null,
  derivedFields: {
    occupancy_pct: { label: { zh: '占用率', en: 'Occupancy' }, unit: '%', type: 'float', description: 'occupied over total spaces', from: ['occupiedSpaces', 'totalSpaces'] },
  },
  derive: (values) => ({
    occupancy_pct: values.totalSpaces ? ((values.occupiedSpaces ?? 0) / values.totalSpaces) * 100 : 0,
  }),
});
