/**
 * Chinese environmental standards as pure functions (no I/O): AQI (HJ 633-2012 / HJ 633-2026),
 * ambient limits and data validity (GB 3095, HJ 663), surface water (GB 3838-2002), noise
 * (GB 3096-2008), grid load and parking. The specification is shared/reference/standards.md.
 */
export { STANDARDS_2026_IN_FORCE, GB3095_FINAL_IN_FORCE, chooseAqiStandard, chooseGb3095Phase } from './versions.ts';
export type { AqiStandard, Gb3095Phase } from './versions.ts';
export {
  BEIJING_OFFSET_MS, DAY_MS, HOUR_MS, beijingDay, beijingDayNumber, beijingDayStartMs, beijingHour, beijingHourOfDay, beijingMonthStartMs,
  beijingMinuteText, beijingWallClock, sameBeijingTimeLastYear, BEIJING_ZONE_SUFFIX, beijingWeekday, beijingYearMonth, isBeijingInstant, parseBeijingInstant, toEpochMs, yearFraction,
} from './beijing-time.ts';
export type { DayOrInstant, Instant } from './beijing-time.ts';
export { ceilIndex, denoise, roundHalfEven } from './rounding.ts';

export { IAQI_LEVELS, breakpoints } from './aqi-breakpoints.ts';
export type { BreakpointScale } from './aqi-breakpoints.ts';
export { aqiCategory } from './aqi-category.ts';
export type { AqiCategory, AqiLevel } from './aqi-category.ts';
export { iaqi, roundConcentration } from './iaqi.ts';
export type { AqiResult } from './aqi-result.ts';
export { dailyAqi } from './aqi-daily.ts';
export type { DailyAqiInput, DailyAqiKey, DailyAqiOptions } from './aqi-daily.ts';
export { hourlyAqi } from './aqi-hourly.ts';
export type { HourlyAqiInput, HourlyAqiInputKey, HourlyAqiKey, HourlyAqiOptions } from './aqi-hourly.ts';

export { ambientLimit, checkAmbientLimit } from './ambient-limits.ts';
export type { AmbientCheck, AmbientGrade, AmbientLimitKey, AmbientPhaseChoice } from './ambient-limits.ts';
export {
  MIN_DAYS_IN_FEBRUARY, MIN_DAYS_PER_MONTH, MIN_DAYS_PER_YEAR, MIN_HOURS_PER_DAY, MIN_MINUTES_PER_HOUR,
  annualValidity, dailyMean, isValidHour, validValues,
} from './air-validity.ts';
export type { AnnualValidity, Gappy } from './air-validity.ts';
export { MIN_HOURS_PER_8H, MIN_WINDOWS_PER_MDA8, dailyMaxO3EightHour, o3MovingMeans } from './o3-eight-hour.ts';
export type { DailyMaxO3, DailyMaxO3Options } from './o3-eight-hour.ts';
export { hj663Percentile } from './percentile.ts';
export { goodDayRatio } from './good-days.ts';
export type { GoodDayRatio } from './good-days.ts';
export { evaluateYear } from './annual-evaluation.ts';
export type { AnnualEvaluation, AnnualInput, AnnualPollutant, DailyValue, PollutantYear } from './annual-evaluation.ts';

export {
  WATERBODIES, WATER_CLASSES, WATER_PARAMETERS, WATER_PARAMETER_NAMES, WATER_ROUNDING_NOTE, assessmentDecimalsOf, classifyParameter,
  roundForAssessment, waterClassRank, waterLimit,
} from './water-quality.ts';
export type { WaterClass, WaterParameter, WaterTargetClass, Waterbody } from './water-quality.ts';
export { evaluateWaterSection, waterSectionRank } from './water-section.ts';
export type { MainPollutant, ParameterAssessment, WaterSample, WaterSectionOptions, WaterSectionResult } from './water-section.ts';

export { MIN_NOISE_COVERAGE, NIGHT_LMAX_MARGIN_DB, NOISE_DAY_START_HOUR, NOISE_NIGHT_START_HOUR, evaluateNoise, noiseCoverage, noiseLimit, noisePeriodAt, noisePeriodHours } from './noise-limits.ts';
export type { NoiseCoverage, NoiseEvaluation, NoiseInput, NoisePeriod, NoisePeriodOptions, NoiseZoneClass } from './noise-limits.ts';
export { dayNightLeq, energyAverage, energyAverageWeighted } from './noise-energy.ts';
export type { StampedLevel, TimedLevel } from './noise-energy.ts';

export { classifyLoad, detectLoadEvents, loadRatePct } from './grid-load.ts';
export type { LoadEvent, LoadEventKind, LoadEventOptions, LoadPoint } from './grid-load.ts';
export { DEFAULT_BUSY_PCT, occupancyPct, peakHours, shareableSpaces } from './parking.ts';
export type { PeakHours, ShareableOptions, ShareableSpaces } from './parking.ts';
export { AIR_REPORTING_NOTE, reportedConcentration } from './reporting-precision.ts';

export { evaluateVocStack, vocStackLimitsMgm3 } from './voc-emission.ts';
export type { VocLimitKey, VocVerdict } from './voc-emission.ts';
export { COMPOSITE_DIVISORS, COMPOSITE_POLLUTANT_NAMES, COMPOSITE_SOURCE, compositeChange, compositeIndex, type CompositeIndex, type CompositeInput } from './composite-index.ts';
