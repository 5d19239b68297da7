import { evaluateWaterSection, waterClassRank, type WaterClass, type WaterSample, type WaterTargetClass } from '../../standards/index.ts';
import type { DeviceRecord } from '../../registry/registry-schema.ts';
import { parameterFields, waterMonthlyMeasurement } from '../../rollups/water-rollup.ts';
import { isoOf, queryRows, timeRange, type Provenance, type Rule, type RuleContext } from './rule.ts';


interface SectionPeriod {
  readonly device: DeviceRecord;
  readonly class: WaterClass | null;
  readonly mainPollutants: string;
  readonly monthsWithData: number;
  readonly monthsElapsed: number;
  readonly provenance: Provenance[];
}

/**
 * A section's class over the period: the period mean of each parameter, then the
 * single-factor method (GB 3838-2002, the 2011 evaluation method), as annual bulletins do.
 * Enough data: a sample in every month elapsed (surface-water sections are monitored monthly).
 */
async function sectionOverPeriod({ influx, period }: RuleContext, device: DeviceRecord): Promise<SectionPeriod> {
  const means = Object.values(parameterFields).map((field) => `mean("${field}") AS "${field}"`).join(', ');
  const query = `SELECT ${means}, count("ph") AS samples FROM "water_quality" WHERE "device" = '${device.id}' AND ${timeRange(period)}`;
  const [row] = await queryRows(influx, query);
  const monthsQuery = `SELECT "samples" FROM "${waterMonthlyMeasurement}" WHERE "device" = '${device.id}' AND "samples" > 0 AND ${timeRange(period)}`;
  const months = await queryRows(influx, monthsQuery);
  const monthsElapsed = Math.max(1, Math.round((period.toMs - period.fromMs) / (30.44 * 86_400_000)));
  const provenance = [
    { measurement: 'water_quality', points: Number(row?.samples ?? 0), from: isoOf(period.fromMs), to: isoOf(period.toMs), query },
    { measurement: waterMonthlyMeasurement, points: months.length, from: isoOf(period.fromMs), to: isoOf(period.toMs), query: monthsQuery },
  ];
  if (!row || !Number(row.samples)) return { device, class: null, mainPollutants: '', monthsWithData: 0, monthsElapsed, provenance };
  const sample: WaterSample = {};
  for (const [parameter, field] of Object.entries(parameterFields)) sample[parameter as keyof WaterSample] = row[field] === null ? null : Number(row[field]);
  const { waterbody, targetClass } = device.attributes as { waterbody: 'river' | 'lake'; targetClass: WaterTargetClass };
  const result = evaluateWaterSection(sample, { waterbody, targetClass });
  return { device, class: result.class, mainPollutants: result.mainPollutants.map((p) => p.label).join('、'), monthsWithData: months.length, monthsElapsed, provenance };
}

/** Plan indicator 26: a named section's class over the period, held against its target class. */
export const sectionClass: Rule = async (context) => {
  const device = context.registry.devices.find((candidate) => candidate.family === 'water' && candidate.site === context.target.site);
  if (!device) throw new Error(`no water section with site ${context.target.site} in the registry`);
  const section = await sectionOverPeriod(context, device);
  return {
    value: section.class,
    completeness: Math.min(1, section.monthsWithData / section.monthsElapsed),
    sufficient: section.class !== null && section.monthsWithData >= section.monthsElapsed,
    standards: ['GB 3838-2002'],
    provenance: section.provenance,
    details: { section: device.siteName, mainPollutants: section.mainPollutants },
  };
};

/** Chapter 9: the share of the district's main sections at Class V or better. */
export const sectionsClassVShare: Rule = async (context) => {
  const sections = await Promise.all(context.registry.devices.filter((device) => device.family === 'water').map((device) => sectionOverPeriod(context, device)));
  const classified = sections.filter((section) => section.class !== null);
  const atVOrBetter = classified.filter((section) => waterClassRank(section.class!) <= waterClassRank('V'));
  return {
    value: classified.length ? Math.round((atVOrBetter.length / classified.length) * 1_000) / 10 : null,
    completeness: sections.length ? classified.length / sections.length : 0,
    sufficient: classified.length === sections.length && sections.every((section) => section.monthsWithData >= section.monthsElapsed),
    standards: ['GB 3838-2002'],
    provenance: sections.flatMap((section) => section.provenance.slice(0, 1)),
    details: Object.fromEntries(sections.map((section) => [section.device.siteName, section.class])),
  };
};

export const classRank = (value: string): number => waterClassRank(value as WaterClass);
