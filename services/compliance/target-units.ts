/**
 * The units of the plan's targets, each said in both languages in this one place (issue 22 item 1:
 * a zh report printed "class", "transformers", "spaces"). seeds/targets.json names a unit by its key;
 * the schema takes only keys listed here, so a new unit is translated when it is added.
 */
export type UnitLang = 'zh' | 'en';

interface UnitText {
  /** The unit in a table's unit column. */
  readonly zh: string;
  readonly en: string;
  /** A value with its unit, as a sentence or a cell says it (`IV类`, `Class IV`, `3 台`). */
  readonly quantity?: (value: string, lang: UnitLang) => string;
}

export const TARGET_UNITS = {
  'µg/m³': { zh: 'µg/m³', en: 'µg/m³' },
  '%': { zh: '%', en: '%' },
  'dB(A)': { zh: 'dB(A)', en: 'dB(A)' },
  km: { zh: 'km', en: 'km' },
  // Also the families' figures without a target (hours impassable): 小时 in Chinese.
  h: { zh: '小时', en: 'h' },
  // GB 3838-2002 classes: 'IV类' as bulletins print them; Class IV in English.
  class: { zh: '类', en: 'class', quantity: (value, lang) => (lang === 'zh' ? `${value}类` : `Class ${value}`) },
  transformers: { zh: '台', en: 'transformers', quantity: (value, lang) => (lang === 'zh' ? `${value} 台` : `${value} transformer${value === '1' ? '' : 's'}`) },
  spaces: { zh: '个', en: 'spaces', quantity: (value, lang) => (lang === 'zh' ? `${value} 个` : `${value} space${value === '1' ? '' : 's'}`) },
} as const satisfies Record<string, UnitText>;

export type TargetUnit = keyof typeof TARGET_UNITS;
export const targetUnitKeys = Object.keys(TARGET_UNITS) as [TargetUnit, ...TargetUnit[]];

const known = (unit: string): UnitText | undefined => (TARGET_UNITS as Record<string, UnitText>)[unit];

/** The unit as a unit column prints it in the language (a unit not listed, from an older API: as given). */
export const unitLabel = (unit: string, lang: UnitLang): string => known(unit)?.[lang] ?? unit;

/** A value with its unit in the language: `18.2 µg/m³`, `IV类` / `Class IV`, `3 台` / `3 transformers`. */
export function quantityText(value: number | string, unit: string, lang: UnitLang): string {
  const text = known(unit);
  return text?.quantity ? text.quantity(String(value), lang) : `${String(value)} ${text?.[lang] ?? unit}`;
}
