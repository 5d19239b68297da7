import { z } from 'zod';
import { defineFamily, type PayloadValues } from './define-family.ts';

/**
 * Apparent power in kVA: from P and Q when both are present, else from P and the
 * power factor, else P alone (a pure active-power meter understates the load).
 */
function apparentPowerKva(values: PayloadValues): number {
  const active = values.activePower ?? 0;
  if (values.reactivePower !== undefined) return Math.hypot(active, values.reactivePower);
  // A power factor so small that P/pf overflows (a faulty meter) says nothing: fall back to P.
  if (values.powerFactor !== undefined && values.powerFactor > 0 && Number.isFinite(Math.abs(active) / values.powerFactor)) return Math.abs(active) / values.powerFactor;
  return Math.abs(active);
}

/** Substations and distribution transformers; the rated capacity comes from the registry. */
export const gridFamily = defineFamily({
  id: 'grid',
  title: 'Substation or distribution transformer',
  measurement: 'grid_load',
  reportIntervalMs: 15 * 60_000,
  qos: 1,
  fields: {
    activePower: { label: { zh: '有功功率', en: 'Active power' }, field: 'active_kw', unit: 'kW', min: -2_000_000, max: 2_000_000, type: 'float', required: true, description: 'active power (negative: reverse flow)' },
    reactivePower: { label: { zh: '无功功率', en: 'Reactive power' }, field: 'reactive_kvar', unit: 'kvar', min: -2_000_000, max: 2_000_000, type: 'float', description: 'reactive power' },
    voltage: { label: { zh: '电压', en: 'Voltage' }, field: 'voltage_kv', unit: 'kV', min: 0, max: 550, type: 'float', description: 'line voltage' },
    current: { label: { zh: '电流', en: 'Current' }, field: 'current_a', unit: 'A', min: 0, max: 100_000, type: 'float', description: 'current' },
    powerFactor: { label: { zh: '功率因数', en: 'Power factor' }, field: 'power_factor', unit: '1', min: 0, max: 1, type: 'float', description: 'power factor' },
  },
  attributes: z.strictObject({
    level: z.enum(['substation', 'transformer']),
    substation: z.string().regex(/^[a-z0-9-]{1,40}$/),
    ratedKva: z.number().positive().max(2_000_000),
    voltageClass: z.enum(['220kV', '110kV', '10kV']),
  }),
  tagsFrom: (attributes) => ({ substation: attributes.substation, level: attributes.level }),
  derivedFields: {
    // apparentPowerKva reads P, then Q or else the power factor: a mark of any of them takes the load rate out.
    load_rate_pct: { label: { zh: '负载率', en: 'Load rate' }, unit: '%', type: 'float', description: 'apparent power over rated capacity', from: ['activePower', 'reactivePower', 'powerFactor'] },
  },
  derive: (values, attributes) => ({
    load_rate_pct: (apparentPowerKva(values) / attributes.ratedKva) * 100,
  }),
});
