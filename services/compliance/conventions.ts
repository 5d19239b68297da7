import { MIN_NOISE_COVERAGE, WATER_ROUNDING_NOTE } from '../standards/index.ts';
import { DOCUMENTS } from './basis-names.ts';
import { HEAVY_LOAD_HOURS_DEFINITION } from './rules/noise-grid-parking.ts';

/** A convention the rollups and the report follow, with its source: printed in every report and the README. */
export interface Convention {
  readonly topic: string;
  readonly rule: string;
  readonly source: string;
}

export const ROLLUP_CONVENTIONS: readonly Convention[] = [
  {
    topic: 'hour labels',
    rule: 'an hourly air value (air_hourly, the real-time AQI, /api/v1/aqi?resolution=hour) carries the END of its hour: the mean of 00:00-01:00 is labelled 01:00; a day holds the hours labelled 01:00 … 24:00; daily values carry the day\'s 00:00',
    source: 'HJ 663-2013 Table A.1 as quoted by GB/T 34302-2017',
  },
  { topic: 'water rounding', rule: WATER_ROUNDING_NOTE, source: DOCUMENTS.waterStatistics.en },
  {
    topic: 'water TN',
    rule: 'total nitrogen never sets a class; for lakes and reservoirs it gets its own class (tnClass) reported beside the section class',
    source: `${DOCUMENTS.waterEvaluation.en} (21 items without water temperature, TN and fecal coliform; TN evaluated on its own)`,
  },
  {
    topic: 'coverage',
    rule: `air: an hour needs ≥ 45 min, a day ≥ 20 valid hours, a year ≥ 324 days (≥ 27 a month, February 25); noise: a day (16 h) or night (8 h) Leq is judged only with ≥ ${MIN_NOISE_COVERAGE * 100} % of its readings, else it is shown with its coverage and left out of exceedance counts; each reading counts for its device's registered report interval, else the interval its readings show; water: a sample in every month`,
    source: `GB 3095 Table 4 (the version in force for the period, named in the report); HJ 906-2017 §3.1 valid-data rate; ${DOCUMENTS.waterEvaluation.en} monthly monitoring`,
  },
  { topic: 'heavy-load hours', rule: HEAVY_LOAD_HOURS_DEFINITION, source: 'distribution-grid practice (no national standard defines it): heavy load ≥ 80 %, overload ≥ 100 %, events ≥ 8 consecutive 15-min points; an event crossing midnight is one event, on the day it starts' },
  { topic: 'days', rule: 'every day, month and year is a Beijing (UTC+8) calendar one; a bare date in the API or on the command line is a Beijing date', source: 'GB 3095 / HJ 663 natural day' },
];

/** The same conventions in Chinese, one sentence each, for Chinese reports. */
export const CONVENTIONS_ZH: readonly string[] = [
  '小时值标注为该小时的结束时刻（00:00–01:00 的均值标为 01:00）；日值标注为当日 00:00（HJ 663-2013 表A.1）。',
  `地表水月均值按${DOCUMENTS.waterStatistics.zh}修约后评价类别。`,
  `总氮不参与水质类别评价，湖库总氮单独评价（${DOCUMENTS.waterEvaluation.zh}）。`,
  '有效性：空气每小时至少45分钟、每日至少20个有效小时、每年至少324天（每月至少27天，2月25天）；噪声昼间或夜间数据不足75%时不作超标判定；每条读数按设备登记的上报间隔计；地表水每月至少一次采样。',
  '重载小时：15分钟负载率≥80%的点数×0.25小时；持续2小时以上为一次重载事件。',
  '日、月、年均按北京时间（UTC+8）计。',
];

/** The GB 3095 version(s) in force over a period: 2012 (with its 2018 amendment) before 2026-03-01, 2026 from then (issue 22 item 5). */
export function gb3095VersionsFor(fromMs: number, toMs: number): string[] {
  const change = Date.parse('2026-03-01T00:00:00+08:00');
  return [...(fromMs < change ? ['GB 3095-2012'] : []), ...(toMs > change ? ['GB 3095-2026'] : [])];
}
