import { z } from 'zod';
import { defineFamily, type Bilingual } from './define-family.ts';

const concentration = (label: Bilingual, description: string, hj212: string, max: number, required = false) =>
  ({ label, unit: 'mg/m³', min: 0, max, type: 'float', required, description, hj212 }) as const;

/**
 * VOC monitors at the exhaust points of jewellery workshops (plan l.3232-3234: 加强黄金珠宝
 * 加工企业废气监管): the first family that arrives only over HJ 212 (issue 20, item 3). Codes
 * and units are HJ 212-2017 Table B.2 (reference/hj212.md §5.3): every VOC code in mg/m³.
 * Upper bounds sit far above GB 16297-1996 Table 2's stack limits (NMHC 120, benzene 12,
 * toluene 40, xylene 70 mg/m³) so that a real excursion is kept; beyond them is a fault.
 */
export const vocFamily = defineFamily({
  id: 'voc',
  title: 'VOC exhaust monitor',
  measurement: 'voc',
  reportIntervalMs: 60_000,
  qos: 1,
  hj212System: '31',
  fields: {
    nmhc: { field: 'nmhc_mgm3', ...concentration({ zh: '非甲烷总烃', en: 'NMHC' }, 'non-methane hydrocarbons (NMHC)', 'a24088', 5_000, true) },
    thc: { field: 'thc_mgm3', ...concentration({ zh: '总烃', en: 'Total hydrocarbons' }, 'total hydrocarbons', 'a24087', 5_000) },
    benzene: { field: 'benzene_mgm3', ...concentration({ zh: '苯', en: 'Benzene' }, 'benzene', 'a25002', 500) },
    toluene: { field: 'toluene_mgm3', ...concentration({ zh: '甲苯', en: 'Toluene' }, 'toluene', 'a25003', 2_000) },
    ethylbenzene: { field: 'ethylbenzene_mgm3', ...concentration({ zh: '乙苯', en: 'Ethylbenzene' }, 'ethylbenzene', 'a25004', 2_000) },
    xylene: { field: 'xylene_mgm3', ...concentration({ zh: '二甲苯', en: 'Xylenes' }, 'xylenes (sum)', 'a25005', 2_000) },
    formaldehyde: { field: 'formaldehyde_mgm3', ...concentration({ zh: '甲醛', en: 'Formaldehyde' }, 'formaldehyde', 'a31001', 500) },
    acetone: { field: 'acetone_mgm3', ...concentration({ zh: '丙酮', en: 'Acetone' }, 'acetone', 'a31024', 5_000) },
    ethylAcetate: { field: 'ethyl_acetate_mgm3', ...concentration({ zh: '乙酸乙酯', en: 'Ethyl acetate' }, 'ethyl acetate', 'a29017', 5_000) },
    methanol: { field: 'methanol_mgm3', ...concentration({ zh: '甲醇', en: 'Methanol' }, 'methanol', 'a30001', 5_000) },
  },
  attributes: z.strictObject({
    /** The workshop (an id, not free text: it becomes a tag) and what its exhaust point serves. */
    workshop: z.string().regex(/^[a-z0-9-]{1,40}$/),
    workshopName: z.string().min(1).max(40),
    process: z.enum(['casting', 'electroplating', 'polishing', 'cleaning']),
  }),
  tagsFrom: (attributes) => ({ workshop: attributes.workshop }),
  // THC is methane plus NMHC (HJ 38-2017 §3): it can never be below NMHC.
  inconsistency: (values) => {
    const { nmhc, thc } = values;
    if (nmhc !== undefined && thc !== undefined && thc < nmhc) return `thc ${thc} is below nmhc ${nmhc}`;
    return null;
  },
});
