/**
 * The bases a figure cites (a rule's `standards`) in each language (issue 22 item 1: the zh report's
 * basis column for grid and parking was English, the en one carried 环办〔2011〕22号). Standard numbers
 * (GB 3095-2012, HJ 633-2012) read the same in both; a Chinese document number is given in English
 * as its pinyin prefix, year and number, as English texts cite them.
 */
export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

/** Documents cited by their Chinese number. */
export const DOCUMENTS = {
  waterEvaluation: { zh: '环办〔2011〕22号', en: 'Huanban [2011] No. 22' },
  ranking: { zh: '环办监测〔2018〕19号《城市环境空气质量排名技术规定》', en: 'Huanban Jiance [2018] No. 19 (technical rules for ranking urban ambient air quality)' },
  waterStatistics: { zh: '总站水字〔2020〕90号《地表水环境质量监测数据统计技术规定（试行）》', en: 'Zongzhan Shuizi [2020] No. 90 (statistics rules for surface-water monitoring data, trial)' },
} as const satisfies Record<string, Bilingual>;

/** The grid rule's basis: industry practice, there being no national standard. */
export const GRID_PRACTICE_BASIS: Bilingual = {
  zh: '配电网运行惯例：负载率≥80%为重载、≥100%为过载，持续2小时及以上（可配置）',
  en: 'distribution-grid practice: heavy load ≥ 80 %, overload ≥ 100 %, sustained ≥ 2 h (configurable)',
};

/** The parking rule's basis: a definition of this platform's. */
export const PARKING_SHARE_BASIS: Bilingual = {
  zh: '本平台定义：错峰共享时段内车位数×85%减去已占用车位',
  en: 'Wanxiang definition: capacity × 85 % less occupied, over the lot’s sharing window',
};

// Keyed by the text a rule gives (its English, or a document's Chinese number).
const byText = new Map<string, Bilingual>([
  ...Object.values(DOCUMENTS).map((names): [string, Bilingual] => [names.zh, names]),
  [GRID_PRACTICE_BASIS.en, GRID_PRACTICE_BASIS],
  [PARKING_SHARE_BASIS.en, PARKING_SHARE_BASIS],
]);

/** A basis as the language says it; a standard's number (GB 3096-2008) as it is. */
export const basisText = (basis: string, lang: 'zh' | 'en'): string => byText.get(basis)?.[lang] ?? basis;
