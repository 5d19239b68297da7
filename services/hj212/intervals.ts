/**
 * HJ 212 command codes that carry data, and the interval each stands for (HJ 212-2017 Table 9):
 * 2011 real-time (DataTime = the sampling instant), 2051 minute, 2061 hour, 2031 day
 * (DataTime = the interval's START, C.16-C.18). Real-time values land in the family's own
 * measurement beside MQTT readings (the rollups read them); a station's own minute, hour and
 * day values land in `<measurement>_hj212`, tagged `interval`, so averages of different
 * intervals are never mixed.
 */
export type DataInterval = 'rtd' | 'minute' | 'hour' | 'day';

/**
 * A table looked up with a station's text (a CN, a CP key's suffix): without a prototype, so
 * `constructor` or `__proto__` finds nothing rather than Object's own (red team 5: CN=constructor
 * threw, a34004-toString stored the text of a function as a field).
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

export const intervalOfCn = lookupTable<DataInterval>({ '2011': 'rtd', '2051': 'minute', '2061': 'hour', '2031': 'day' });

/** The suffix holding an interval's main value: Rtd in real time, Avg for statistics, Data for noise (C.26). */
export const mainSuffixes: Readonly<Record<DataInterval, readonly string[]>> = { rtd: ['Rtd'], minute: ['Avg', 'Data'], hour: ['Avg', 'Data'], day: ['Avg', 'Data'] };

/**
 * Numbers kept beside the main value, per interval: statistics as `<field>_min`, `_max`, `_cou`,
 * and the 折算 values (normalised to the reference O2, Table 4: ZsRtd, ZsAvg, ZsMin, ZsMax) as
 * `<field>_zs`, `_zs_min`, `_zs_max` (reference/hj212.md §9.8: "store Min/Avg/Max/Cou/Zs* as separate fields").
 */
const statistics = lookupTable({ Min: 'min', Max: 'max', Cou: 'cou', ZsAvg: 'zs', ZsMin: 'zs_min', ZsMax: 'zs_max' });
export const statSuffixes: Readonly<Record<DataInterval, Readonly<Record<string, string>>>> = { rtd: lookupTable({ ZsRtd: 'zs' }), minute: statistics, hour: statistics, day: statistics };
export const statNames: readonly string[] = ['min', 'max', 'cou', 'zs', 'zs_min', 'zs_max'];

/**
 * Text kept beside the main value, as sent (at most 32 characters): the vendor's EFlag (Table 4,
 * C4; reference §9.9: "keep the raw flag (and EFlag)") as `<field>_eflag`, the instrument's
 * SampleTime (N14) as `<field>_sample_time`.
 */
export const textSuffixes = lookupTable({ EFlag: 'eflag', SampleTime: 'sample_time' });

/** Suffixes of device information (3019/3020), not measurements: neither stored with a field nor counted as unknown. */
export const ignoredSuffixes = new Set(['Info', 'SN']);

export const intervalMeasurement = (familyMeasurement: string) => `${familyMeasurement}_hj212`;

/**
 * HJ 212-2017 Table 8 data flags (reference/hj212.md §4): N valid; F stopped, M maintenance,
 * S manual value, D fault, C calibration, B logger communication fault are INVALID (stored as
 * `<field>_invalid` with `<field>_flag`, never in `<field>`, so rollups, compliance, alarms and
 * the live view leave them out); T above the range is kept in `<field>` and marked suspect;
 * any other letter is a vendor's and kept like T. Lower-case letters are read as Table 8's.
 */
export const invalidFlags = new Set(['F', 'M', 'S', 'D', 'C', 'B']);
export type FlagVerdict = 'valid' | 'suspect' | 'invalid';
/**
 * A Table 8 letter is that letter whatever its case: a logger that writes `d` for a fault means the
 * fault, and taken for a vendor's letter its value went into the statistics (GB 3095 counts no data
 * of a fault, a calibration or maintenance). The letter is stored as sent.
 */
export const tableLetterOf = (flag: string): string => (flag.length === 1 ? flag.toUpperCase() : flag);
export function flagVerdict(flag: string | undefined): FlagVerdict {
  if (flag === undefined) return 'valid';
  const letter = tableLetterOf(flag);
  if (letter === 'N') return 'valid';
  return invalidFlags.has(letter) ? 'invalid' : 'suspect';
}

/**
 * Command codes whose CP is not kept: the device's answers (9011-9014), the notifications the
 * receiver answers with 9013 (1013 time request, 2025's 9015 heartbeat). Any other upload that
 * carries no measurements of an interval (2021 facility status, 2041 running time, 2081 restart
 * time, 3015-3020 device information, ...) is kept raw in hj212_unknown with its CN: never dropped unseen.
 */
export const cpNotKept = new Set(['9011', '9012', '9013', '9014', '9015', '1013']);
