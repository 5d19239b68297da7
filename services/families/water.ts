import { z } from 'zod';
import { defineFamily } from './define-family.ts';

export const waterClasses = ['I', 'II', 'III', 'IV', 'V'] as const;

/** Automatic surface-water quality stations at river sections (GB 3838-2002 items). */
export const waterFamily = defineFamily({
  id: 'water',
  title: 'River water-quality section',
  measurement: 'water_quality',
  reportIntervalMs: 4 * 3_600_000,
  qos: 1,
  hj212System: '21',
  fields: {
    ph: { label: { zh: 'pH', en: 'pH' }, field: 'ph', unit: 'pH', min: 0, max: 14, type: 'float', description: 'pH', hj212: 'w01001' },
    do: { label: { zh: '溶解氧', en: 'Dissolved oxygen' }, field: 'do_mgl', unit: 'mg/L', min: 0, max: 25, type: 'float', description: 'dissolved oxygen', hj212: 'w01009' },
    codmn: { label: { zh: '高锰酸盐指数', en: 'Permanganate index' }, field: 'codmn_mgl', unit: 'mg/L', min: 0, max: 200, type: 'float', description: 'permanganate index', hj212: 'w01019' },
    cod: { label: { zh: '化学需氧量', en: 'COD' }, field: 'cod_mgl', unit: 'mg/L', min: 0, max: 2_000, type: 'float', description: 'chemical oxygen demand', hj212: 'w01018' },
    nh3n: { label: { zh: '氨氮', en: 'Ammonia nitrogen' }, field: 'nh3n_mgl', unit: 'mg/L', min: 0, max: 200, type: 'float', description: 'ammonia nitrogen', hj212: 'w21003' },
    tp: { label: { zh: '总磷', en: 'Total phosphorus' }, field: 'tp_mgl', unit: 'mg/L', min: 0, max: 50, type: 'float', description: 'total phosphorus', hj212: 'w21011' },
    tn: { label: { zh: '总氮', en: 'Total nitrogen' }, field: 'tn_mgl', unit: 'mg/L', min: 0, max: 200, type: 'float', description: 'total nitrogen', hj212: 'w21001' },
    turbidity: { label: { zh: '浊度', en: 'Turbidity' }, field: 'turbidity_ntu', unit: 'NTU', min: 0, max: 4_000, type: 'float', description: 'turbidity', hj212: 'w01003' },
    conductivity: { label: { zh: '电导率', en: 'Conductivity' }, field: 'conductivity_uscm', unit: 'µS/cm', min: 0, max: 100_000, type: 'float', description: 'conductivity', hj212: 'w01014' },
    waterTemperature: { label: { zh: '水温', en: 'Water temperature' }, field: 'water_temp_c', unit: '°C', min: 0, max: 45, type: 'float', description: 'water temperature', hj212: 'w01010' },
    flow: { label: { zh: '流量', en: 'Flow' }, field: 'flow_m3s', unit: 'm³/s', min: 0, max: 10_000, type: 'float', description: 'flow, where gauged' },
    level: { label: { zh: '水位', en: 'Water level' }, field: 'level_m', unit: 'm', min: -20, max: 200, type: 'float', description: 'water level, where gauged' },
  },
  attributes: z.strictObject({
    river: z.string().regex(/^[a-z0-9-]{1,40}$/),
    riverName: z.string().min(1).max(40),
    sectionName: z.string().min(1).max(40),
    // GB 3838-2002 class the plan sets for the section (plan-targets.md, indicator 26).
    targetClass: z.enum(waterClasses),
    // GB 3838-2002: lakes and reservoirs have their own TP limits and TN evaluated beside the class.
    waterbody: z.enum(['river', 'lake', 'reservoir']),
  }),
  tagsFrom: (attributes) => ({ river: attributes.river }),
});
