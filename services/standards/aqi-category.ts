export type AqiLevel = 1 | 2 | 3 | 4 | 5 | 6;

export interface AqiCategory {
  readonly level: AqiLevel;
  readonly category: string;
  readonly categoryEn: string;
  readonly colour: string;
}

// HJ 633-2012 Table 2 + Appendix A; identical in HJ 633-2026 Table 1 + Appendix A.
// `upTo` is the highest AQI of the class; the last class is open-ended (> 300).
const categories: readonly (AqiCategory & { upTo: number })[] = [
  { upTo: 50, level: 1, category: '优', categoryEn: 'Excellent', colour: '#00E400' },
  { upTo: 100, level: 2, category: '良', categoryEn: 'Good', colour: '#FFFF00' },
  { upTo: 150, level: 3, category: '轻度污染', categoryEn: 'Lightly polluted', colour: '#FF7E00' },
  { upTo: 200, level: 4, category: '中度污染', categoryEn: 'Moderately polluted', colour: '#FF0000' },
  { upTo: 300, level: 5, category: '重度污染', categoryEn: 'Heavily polluted', colour: '#99004C' },
  { upTo: Number.POSITIVE_INFINITY, level: 6, category: '严重污染', categoryEn: 'Severely polluted', colour: '#7E0023' },
];

/** Level, category (Chinese and English) and colour of an AQI (an integer, already rounded up). */
export function aqiCategory(aqi: number): AqiCategory {
  const found = categories.find((entry) => aqi <= entry.upTo) ?? categories[categories.length - 1]!;
  return { level: found.level, category: found.category, categoryEn: found.categoryEn, colour: found.colour };
}
