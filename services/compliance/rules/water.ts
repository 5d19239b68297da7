import {
  WATER_ROUNDING_NOTE, beijingDay, beijingYearMonth, evaluateWaterSection, waterClassRank, waterSectionRank, type WaterClass, type WaterSample, type WaterTargetClass, type Waterbody,
} from '../../standards/index.ts';
import type { DeviceRecord } from '../../registry/registry-schema.ts';
import { parameterFields, waterMonthlyMeasurement } from '../../rollups/water-rollup.ts';
import type { Period } from '../period.ts';
import { readRawRows } from '../../rollups/raw-rows.ts';
import { withStationHours } from '../../rollups/station-hour-samples.ts';
import { readStationHours } from '../../rollups/station-hours.ts';
import { meanOf } from '../../rollups/rollup-types.ts';
import { marksTouching, withoutMarked } from '../../review/effective-marks.ts';
import { DOCUMENTS } from '../basis-names.ts';
import { isoOf, queryRows, sharedRead, timeRange, type FigureInput, type Provenance, type Rule, type RuleContext } from './rule.ts';

interface SectionPeriod {
  readonly device: DeviceRecord;
  readonly class: WaterClass | null;
  /** Lakes and reservoirs: TN's own class over the period, reported beside the class. */
  readonly tnClass: WaterClass | null;
  /** Against Class III, the national basis (环办〔2011〕22号). */
  readonly mainPollutants: string;
  /** Against the section's target class, the column beside. */
  readonly mainPollutantsVsTarget: string;
  readonly monthsWithData: number;
  readonly monthsElapsed: number;
  readonly provenance: Provenance[];
  /** The period means the class is judged from (rounded as judged), as a signature. */
  readonly means: string;
}

const attributesOf = (device: DeviceRecord) => device.attributes as { waterbody: Waterbody; targetClass: WaterTargetClass };

/** Calendar months (Beijing time) the period has reached so far, a started month counting. */
export function monthsElapsed(period: Period): number {
  const from = beijingYearMonth(period.fromMs);
  const to = beijingYearMonth(period.toMs - 1);
  return Math.max(1, (to.year - from.year) * 12 + to.month - from.month + 1);
}

/**
 * A section's class over the period: the period mean of each parameter, rounded half to even to the
 * 2020 decimals, then the single-factor method (GB 3838-2002, the 2011 evaluation method), as annual
 * bulletins do. Enough data: a sample in every month elapsed (sections are monitored monthly).
 */
const sectionOverPeriod = (context: RuleContext, device: DeviceRecord): Promise<SectionPeriod> =>
  sharedRead(context, `water-section|${device.id}|${context.review?.unreviewed === true}`, () => readSectionOverPeriod(context, device));

/**
 * Every section's samples of the period, and every section's months, each in one query an
 * evaluation, whichever rule asks first. The provenance still names the query of the one section,
 * the points an officer checks a figure against.
 */
const allSamples = (context: RuleContext) =>
  sharedRead(context, 'water-samples', async () => {
    const { fromMs, toMs } = context.period;
    // A station's own hours (HJ 212 2061) are samples too, as in water_daily (a surface-water station sends nothing else).
    const [rows, hours] = await Promise.all([readRawRows(context.influx, 'water', fromMs, toMs), readStationHours(context.influx, 'water', fromMs, toMs)]);
    return new Map([...new Set([...rows.keys(), ...hours.keys()])].map((device) => [device, withStationHours(rows.get(device) ?? [], hours.get(device))]));
  });
const allMonths = (context: RuleContext) => sharedRead(context, 'water-months', () => queryRows(context.influx, `SELECT "samples", "class", "tn_class", "fields_present" FROM "${waterMonthlyMeasurement}" WHERE "samples" > 0 AND ${timeRange(context.period)} GROUP BY "device"`));
const monthsOf = async (context: RuleContext, device: DeviceRecord) => (await allMonths(context)).filter((month) => month.device === device.id && month.samples !== null && month.samples !== undefined);

async function readSectionOverPeriod(context: RuleContext, device: DeviceRecord): Promise<SectionPeriod> {
  const { period } = context;
  // The raw samples, less what the officers' marks in force take out (issue 22 item 2), then the means.
  const query = `SELECT ${Object.values(parameterFields).map((field) => `"${field}"`).join(', ')} FROM "water_quality" WHERE "device" = '${device.id}' AND ${timeRange(period)}`;
  const raw = (await allSamples(context)).get(device.id) ?? [];
  const review = context.review;
  const samples = review && !review.unreviewed ? withoutMarked(raw, marksTouching(review.state.effective, new Set([device.id]), period.fromMs, period.toMs)) : raw;
  const row: Record<string, number | null> | undefined = samples.length ? { samples: samples.length, ...Object.fromEntries(Object.values(parameterFields).map((field) => [field, meanOf(samples, field)])) } : undefined;
  const monthsQuery = `SELECT "samples", "fields_present" FROM "${waterMonthlyMeasurement}" WHERE "device" = '${device.id}' AND "samples" > 0 AND ${timeRange(period)}`;
  const months = await monthsOf(context, device);
  const elapsed = monthsElapsed(period);
  const provenance = [
    { measurement: 'water_quality', points: Number(row?.samples ?? 0), from: isoOf(period.fromMs), to: isoOf(period.toMs), query, rounding: WATER_ROUNDING_NOTE },
    { measurement: waterMonthlyMeasurement, points: months.length, from: isoOf(period.fromMs), to: isoOf(period.toMs), query: monthsQuery, rounding: WATER_ROUNDING_NOTE },
  ];
  const none = { device, class: null, tnClass: null, mainPollutants: '', mainPollutantsVsTarget: '', monthsWithData: 0, monthsElapsed: elapsed, provenance, means: '' };
  if (!row || !Number(row.samples)) return none;
  const sample: WaterSample = {};
  for (const [parameter, field] of Object.entries(parameterFields)) sample[parameter as keyof WaterSample] = row[field] === null ? null : Number(row[field]);
  // Samples without any item of the class (a gauge's level and flow, TN) give the period no class: no figure, not an error.
  if (waterSectionRank(sample, attributesOf(device).waterbody) === null) return none;
  const result = evaluateWaterSection(sample, attributesOf(device));
  return {
    device, class: result.class, tnClass: result.tnClass, mainPollutants: result.mainPollutantsNational.map((p) => p.label).join('、'), mainPollutantsVsTarget: result.mainPollutants.map((p) => p.label).join('、'),
    monthsWithData: Math.min(months.length, elapsed), monthsElapsed: elapsed, provenance, means: JSON.stringify(sample),
  };
}

const parameterFieldNames = Object.values(parameterFields);

/** A section over the period as a figure's input: its means (section class) or its class (share of sections). */
const sectionInput = (period: Period, section: SectionPeriod, signature: string): FigureInput => ({
  key: section.device.id, signature, devices: [section.device.id], fromMs: period.fromMs, toMs: period.toMs, fields: parameterFieldNames,
});

function sectionOf(context: RuleContext): DeviceRecord {
  const device = context.registry.devices.find((candidate) => candidate.family === 'water' && candidate.site === context.target.site);
  if (!device) throw new Error(`no water section with site ${context.target.site} in the registry`);
  return device;
}

/** Plan indicator 26: a named section's class over the period, held against its target class. */
export const sectionClass: Rule = async (context) => {
  const device = sectionOf(context);
  const section = await sectionOverPeriod(context, device);
  const completeness = section.monthsWithData / section.monthsElapsed;
  return {
    value: section.class,
    completeness,
    sufficient: section.class !== null && completeness === 1,
    standards: ['GB 3838-2002', DOCUMENTS.waterEvaluation.zh],
    provenance: section.provenance,
    details: {
      section: device.siteName,
      waterbody: attributesOf(device).waterbody,
      mainPollutants: section.mainPollutants,
      mainPollutantsVsTarget: section.mainPollutantsVsTarget,
      ...(attributesOf(device).waterbody === 'river' ? {} : { tnClass: section.tnClass, tnNote: '总氮单独评价，不参与水质类别评价 (TN evaluated separately, not part of the class)' }),
      rounding: WATER_ROUNDING_NOTE,
    },
    inputs: [sectionInput(context.period, section, section.means)],
  };
};

/**
 * Chapter 9: the share of the district's main river sections at Class V or better. Lakes and
 * reservoirs are not river sections and are left out. Completeness is the share of section-months
 * with data, the same measure that decides whether there is enough data.
 */
export const sectionsClassVShare: Rule = async (context) => {
  const rivers = context.registry.devices.filter((device) => device.family === 'water' && attributesOf(device).waterbody === 'river');
  const sections = await Promise.all(rivers.map((device) => sectionOverPeriod(context, device)));
  const classified = sections.filter((section) => section.class !== null);
  const atVOrBetter = classified.filter((section) => waterClassRank(section.class!) <= waterClassRank('V'));
  const monthsNeeded = sections.reduce((sum, section) => sum + section.monthsElapsed, 0);
  const monthsWithData = sections.reduce((sum, section) => sum + section.monthsWithData, 0);
  const completeness = monthsNeeded === 0 ? 0 : monthsWithData / monthsNeeded;
  return {
    value: classified.length ? Math.round((atVOrBetter.length / classified.length) * 1_000) / 10 : null,
    completeness,
    sufficient: sections.length > 0 && completeness === 1,
    standards: ['GB 3838-2002', DOCUMENTS.waterEvaluation.zh],
    provenance: sections.flatMap((section) => section.provenance.slice(0, 1)),
    details: { ...Object.fromEntries(sections.map((section) => [section.device.siteName, section.class])), rounding: WATER_ROUNDING_NOTE },
    inputs: sections.map((section) => sectionInput(context.period, section, String(section.class))),
  };
};

/**
 * Plan lines 138-142 (饮用水源水质稳定达到Ⅱ类，达标率 100%): the share of the drinking-water source's
 * months whose monthly class (the month's mean, 21 items; TN separately) meets its target. Months
 * without a sample are missing data, not failures.
 */
export const sectionMonthsMeetingTarget: Rule = async (context) => {
  const device = sectionOf(context);
  const { targetClass } = attributesOf(device);
  const query = `SELECT "class", "tn_class", "samples", "fields_present" FROM "${waterMonthlyMeasurement}" WHERE "device" = '${device.id}' AND "samples" > 0 AND ${timeRange(context.period)}`;
  const months = await monthsOf(context, device);
  const meeting = months.filter((month) => waterClassRank(String(month.class) as WaterClass) <= waterClassRank(targetClass));
  const elapsed = monthsElapsed(context.period);
  const completeness = Math.min(1, months.length / elapsed);
  return {
    value: months.length ? Math.round((meeting.length / months.length) * 1_000) / 10 : null,
    completeness,
    sufficient: months.length > 0 && completeness === 1,
    standards: ['GB 3838-2002', DOCUMENTS.waterEvaluation.zh],
    provenance: [{ measurement: waterMonthlyMeasurement, points: months.length, from: isoOf(context.period.fromMs), to: isoOf(context.period.toMs), query, rounding: WATER_ROUNDING_NOTE }],
    details: {
      section: device.siteName,
      targetClass,
      monthsMeeting: meeting.length,
      months: Object.fromEntries(months.map((month) => [beijingDay(Number(month.time)).slice(0, 7), { class: month.class, tnClass: month.tn_class ?? null }])),
      tnNote: '总氮单独评价，不参与水质类别评价 (TN evaluated separately, not part of the class)',
      rounding: WATER_ROUNDING_NOTE,
    },
  };
};

export const classRank = (value: string): number => waterClassRank(value as WaterClass);
