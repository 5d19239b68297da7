import { z } from 'zod';
import { defineFamily } from './define-family.ts';

/** GB 3096-2008 acoustic environment functional zone classes. */
export const noiseZoneClasses = ['0', '1', '2', '3', '4a', '4b'] as const;

const level = (description: string, required = false) =>
  ({ unit: 'dB(A)', min: 20, max: 140, type: 'float', required, description }) as const;

/** Roadside noise monitors; levels are A-weighted over the report interval. */
export const noiseFamily = defineFamily({
  id: 'noise',
  title: 'Road noise monitor',
  measurement: 'noise',
  reportIntervalMs: 5 * 60_000,
  qos: 1,
  fields: {
    leq: { field: 'leq_dba', ...level('equivalent continuous level', true) },
    lmax: { field: 'lmax_dba', ...level('maximum level') },
    l10: { field: 'l10_dba', ...level('level exceeded 10 % of the time') },
    l50: { field: 'l50_dba', ...level('level exceeded 50 % of the time') },
    l90: { field: 'l90_dba', ...level('level exceeded 90 % of the time') },
  },
  attributes: z.strictObject({
    road: z.string().regex(/^[a-z0-9-]{1,40}$/),
    roadName: z.string().min(1).max(40),
    zoneClass: z.enum(noiseZoneClasses),
  }),
  tagsFrom: (attributes) => ({ road: attributes.road, zone: attributes.zoneClass }),
  // Percentile levels are ordered by definition: L10 ≥ L50 ≥ L90, and Lmax bounds them all.
  inconsistency: (values) => {
    const { lmax, l10, l50, l90 } = values;
    if (l10 !== undefined && l50 !== undefined && l10 < l50) return `l10 ${l10} is below l50 ${l50}`;
    if (l50 !== undefined && l90 !== undefined && l50 < l90) return `l50 ${l50} is below l90 ${l90}`;
    if (lmax !== undefined && l10 !== undefined && lmax < l10) return `lmax ${lmax} is below l10 ${l10}`;
    return null;
  },
});
