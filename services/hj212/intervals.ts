/**
 * HJ 212 command codes that carry data, and the interval each stands for (HJ 212-2017 Table 9):
 * 2011 real-time (DataTime = the sampling instant), 2051 minute, 2061 hour, 2031 day
 * (DataTime = the interval's START, C.16-C.18). Real-time values land in the family's own
 * measurement beside MQTT readings (the rollups read them); a station's own minute, hour and
 * day values land in `<measurement>_hj212`, tagged `interval`, so averages of different
 * intervals are never mixed.
 */
export type DataInterval = 'rtd' | 'minute' | 'hour' | 'day';

export const intervalOfCn: Readonly<Record<string, DataInterval>> = { '2011': 'rtd', '2051': 'minute', '2061': 'hour', '2031': 'day' };

/** The suffix holding an interval's main value: Rtd in real time, Avg for statistics, Data for noise (C.26). */
export const mainSuffixes: Readonly<Record<DataInterval, readonly string[]>> = { rtd: ['Rtd'], minute: ['Avg', 'Data'], hour: ['Avg', 'Data'], day: ['Avg', 'Data'] };

/** Statistics kept beside the main value, as `<field>_min`, `_max`, `_cou`. */
export const statSuffixes: Readonly<Record<string, string>> = { Min: 'min', Max: 'max', Cou: 'cou' };

/** Suffixes that carry no value of their own and are neither stored nor counted as unknown. */
export const ignoredSuffixes = new Set(['SampleTime', 'EFlag', 'ZsRtd', 'ZsAvg', 'ZsMin', 'ZsMax', 'Info', 'SN']);

export const intervalMeasurement = (familyMeasurement: string) => `${familyMeasurement}_hj212`;

/**
 * HJ 212-2017 Table 8 data flags (reference/hj212.md §4): N valid; F stopped, M maintenance,
 * S manual value, D fault, C calibration, B logger communication fault are INVALID (stored as
 * `<field>_invalid` with `<field>_flag`, never in `<field>`, so rollups, compliance, alarms and
 * the live view leave them out); T above the range is kept in `<field>` and marked suspect;
 * any other letter is a vendor's and kept like T.
 */
export const invalidFlags = new Set(['F', 'M', 'S', 'D', 'C', 'B']);
export type FlagVerdict = 'valid' | 'suspect' | 'invalid';
export function flagVerdict(flag: string | undefined): FlagVerdict {
  if (flag === undefined || flag === 'N') return 'valid';
  return invalidFlags.has(flag) ? 'invalid' : 'suspect';
}
