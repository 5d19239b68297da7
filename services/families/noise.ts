import { z } from 'zod';
import { defineFamily, type Bilingual } from './define-family.ts';

/** GB 3096-2008 acoustic environment functional zone classes. */
export const noiseZoneClasses = ['0', '1', '2', '3', '4a', '4b'] as const;

const level = (label: Bilingual, description: string, required = false) =>
  ({ label, unit: 'dB(A)', min: 20, max: 140, type: 'float', required, description }) as const;

/** Roadside noise monitors; levels are A-weighted over the report interval. */
export const noiseFamily = defineFamily({
  id: 'noise',
  title: 'Road noise monitor',
  measurement: 'noise',
  reportIntervalMs: 5 * 60_000,
  qos: 1,
  hj212System: '23',
  fields: {
    leq: { field: 'leq_dba', ...level({ zh: '等效声级 Leq', en: 'Leq' }, 'equivalent continuous level', true), hj212: 'Leq' },
    lmax: { field: 'lmax_dba', ...level({ zh: '最大声级 Lmax', en: 'Lmax' }, 'maximum level'), hj212: 'LMx' },
    l10: { field: 'l10_dba', ...level({ zh: 'L10', en: 'L10' }, 'level exceeded 10 % of the time'), hj212: 'L10' },
    l50: { field: 'l50_dba', ...level({ zh: 'L50', en: 'L50' }, 'level exceeded 50 % of the time'), hj212: 'L50' },
    l90: { field: 'l90_dba', ...level({ zh: 'L90', en: 'L90' }, 'level exceeded 90 % of the time'), hj212: 'L90' },
    // HJ 212 noise stations send the instantaneous A-weighted level in real time (LA-Rtd, HJ 212-2017 C.25).
    la: { field: 'la_dba', ...level({ zh: '瞬时声级 LA', en: 'LA (instantaneous)' }, 'instantaneous A-weighted level'), hj212: 'LA' },
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
