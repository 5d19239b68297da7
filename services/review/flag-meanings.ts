import { flagVerdict, tableLetterOf, type DataInterval, type FlagVerdict } from '../hj212/intervals.ts';

/**
 * What an instrument's HJ 212 data flag means (HJ 212-2017 Table 8; reference hj212.md §4), as the
 * review page writes it beside the letter it draws: N valid; F stopped, M maintenance, S manual
 * value, D fault, C calibration, B logger communication fault are invalid; T above the range is
 * suspect; any other letter is a vendor's and kept like T (docs/devices.md "Which flag does what").
 */
const meanings: Readonly<Record<string, { zh: string; en: string }>> = {
  N: { zh: '正常', en: 'normal' },
  F: { zh: '停运', en: 'instrument stopped' },
  M: { zh: '维护', en: 'maintenance' },
  S: { zh: '手工输入', en: 'manual value' },
  D: { zh: '故障', en: 'fault' },
  C: { zh: '校准', en: 'calibration' },
  T: { zh: '超测定上限', en: 'above the range' },
  B: { zh: '通讯异常', en: 'logger communication fault' },
};

/** How long one value of each HJ 212 interval stands for, from its DataTime (the interval's start, C.16-C.18). */
export const intervalSpanMs: Readonly<Record<Exclude<DataInterval, 'rtd'>, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface FlagMeaning {
  readonly verdict: FlagVerdict;
  readonly zh: string;
  readonly en: string;
}

export function flagMeaning(flag: string): FlagMeaning {
  const known = meanings[tableLetterOf(flag)];
  return { verdict: flagVerdict(flag), zh: known?.zh ?? `厂商标识 ${flag}`, en: known?.en ?? `vendor flag ${flag}` };
}
