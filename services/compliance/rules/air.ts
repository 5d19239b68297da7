import { MIN_DAYS_IN_FEBRUARY, MIN_DAYS_PER_MONTH, annualValidity, beijingDay, beijingYearMonth, chooseGb3095Phase, goodDayRatio, roundHalfEven } from '../../standards/index.ts';
import { airDistrictDailyMeasurement } from '../../rollups/air-rollup.ts';
import type { Period } from '../period.ts';
import { DAY_MS } from '../../standards/beijing-time.ts';
import { elapsedDays, isoOf, rollupRows, sharedRead, timeRange, type FigureInput, type Provenance, type Rule, type RuleContext } from './rule.ts';

interface ValidDays {
  readonly days: Array<{ date: string; timeMs: number; pm25: number; aqi: number | null; standard: string }>;
  readonly provenance: Provenance;
}

/** Both air targets judge the same days: read once an evaluation (reviewed and unreviewed apart). */
const validDistrictDays = (context: RuleContext): Promise<ValidDays> => sharedRead(context, `air-district-days|${context.review?.unreviewed === true}`, () => readValidDistrictDays(context));

async function readValidDistrictDays(context: RuleContext): Promise<ValidDays> {
  const { period } = context;
  // Validity is judged after the reviewed or unreviewed copy of each day is chosen (rule.ts rollupRows).
  const { rows: all, query } = await rollupRows(context, airDistrictDailyMeasurement, '"pm25_ugm3", "aqi", "standard", "valid"', timeRange(period));
  const rows = all.filter((row) => row.valid === 1);
  const days = rows.map((row) => ({
    date: beijingDay(Number(row.time)),
    timeMs: Number(row.time),
    pm25: Number(row.pm25_ugm3),
    aqi: row.aqi === null || row.aqi === undefined ? null : Number(row.aqi),
    standard: String(row.standard),
  }));
  return { days, provenance: { measurement: airDistrictDailyMeasurement, points: rows.length, from: isoOf(period.fromMs), to: isoOf(period.toMs), query } };
}

/** The six pollutants' raw fields: a district day's AQI takes every one of them. */
const pollutantFields = ['pm25_ugm3', 'pm10_ugm3', 'so2_ugm3', 'no2_ugm3', 'o3_ugm3', 'co_mgm3'];

/** The valid district days as a figure's inputs, each signed by the value the figure takes from it. */
function dayInputs(context: RuleContext, days: ValidDays['days'], fields: readonly string[], signature: (day: ValidDays['days'][number]) => string): FigureInput[] {
  const devices = context.registry.devices.filter((device) => device.family === 'air').map((device) => device.id);
  return days.map((day) => ({ key: day.date, signature: signature(day), devices, fromMs: day.timeMs, toMs: day.timeMs + DAY_MS, fields }));
}

/**
 * GB 3095 / HJ 663 validity: a calendar year needs 324 valid days with 27 in each month
 * (25 in February); a month needs 27 (25); a year in progress is held to the same share
 * of the days elapsed (324/365).
 */
function sufficient(period: Period, dates: readonly string[]): boolean {
  if (period.kind === 'year' && period.complete) return annualValidity(dates, period.year).valid;
  if (period.kind === 'month' && period.complete) {
    const february = beijingYearMonth(period.fromMs).month === 1;
    return dates.length >= (february ? MIN_DAYS_IN_FEBRUARY : MIN_DAYS_PER_MONTH);
  }
  return dates.length >= Math.floor((elapsedDays(period) * 324) / 365);
}

/** Plan indicator 22: the mean of the district's valid daily PM2.5 means, to one decimal (half to even). */
export const pm25AnnualMean: Rule = async (context) => {
  const { days, provenance } = await validDistrictDays(context);
  const dates = days.map((day) => day.date);
  const mean = days.length ? roundHalfEven(days.reduce((sum, day) => sum + day.pm25, 0) / days.length, 1) : null;
  return {
    value: mean,
    completeness: days.length / elapsedDays(context.period),
    sufficient: days.length > 0 && sufficient(context.period, dates),
    standards: [...new Set([chooseGb3095Phase(context.period.fromMs), chooseGb3095Phase(context.period.toMs - 1)])],
    provenance: [provenance],
    details: { validDays: days.length, elapsedDays: elapsedDays(context.period) },
    inputs: dayInputs(context, days, ['pm25_ugm3'], (day) => String(day.pm25)),
  };
};

/** Plan indicator 23: days with AQI ≤ 100 over valid days; each day's AQI by the HJ 633 version of its date. */
export const goodDayRatioRule: Rule = async (context) => {
  const { days, provenance } = await validDistrictDays(context);
  const ratio = goodDayRatio(days.map((day) => day.aqi));
  return {
    value: ratio.validDays ? ratio.percent : null,
    completeness: days.length / elapsedDays(context.period),
    sufficient: days.length > 0 && sufficient(context.period, days.map((day) => day.date)),
    standards: [...new Set(days.map((day) => day.standard))].sort(),
    provenance: [provenance],
    details: { goodDays: ratio.goodDays, validDays: ratio.validDays },
    // A day's AQI is all the ratio takes from it (good or not follows from it).
    inputs: dayInputs(context, days, pollutantFields, (day) => String(day.aqi)),
  };
};
