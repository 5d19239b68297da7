import { isTombstone, presentOnly } from '../rollups/fields-present.ts';
/** The languages of the official tables (issue 22 items 3-4): one language a document, never mixed. */
export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

export type CellValue = number | string | Date | null;

export interface ReportColumn {
  readonly key: string;
  /** The header, the unit in it (`PM2.5 (µg/m³)`): spreadsheets and the page print it as given. */
  readonly header: string;
  /** Numbers are written as numbers; `numFmt` is the Excel format of the column (decimals as published). */
  readonly numFmt?: string;
  readonly width?: number;
}

/** One table as the bureau publishes it: a title, columns with units, rows of real values, notes below. */
export interface ReportTable {
  readonly id: ReportTableId;
  readonly title: string;
  /** The sheet's name in a workbook (Excel allows 31 characters). */
  readonly sheet: string;
  readonly columns: readonly ReportColumn[];
  readonly rows: ReadonlyArray<Readonly<Record<string, CellValue>>>;
  /** Each sentence once: the method, the standard's version in force for the period, caveats. */
  readonly notes: readonly string[];
}

// 'families' (issue 25 item 4): the families' key figures, which no plan target judges.
export const REPORT_TABLE_IDS = ['daily-air', 'water-month', 'ranking', 'plan', 'families'] as const;
export type ReportTableId = (typeof REPORT_TABLE_IDS)[number];

/** A text in the report's language. */
export const say = (lang: Lang, zh: string, en: string): string => (lang === 'zh' ? zh : en);

/** Rows of an InfluxQL answer as objects (time as epoch ms). */
export function rowsOf(series: ReadonlyArray<{ columns: string[]; values: unknown[][]; tags?: Record<string, string> }>): Array<Record<string, unknown>> {
  return series.flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((column, i) => [column, row[i]])) })));
}

/**
 * Rows of an answer over a rollup (read with its fields_present), each with only the fields its point
 * lists; a tombstone (a point a mark emptied or a recomputation no longer yields) is no row (rollups/fields-present.ts).
 */
export function rollupRowsOf(series: ReadonlyArray<{ columns: string[]; values: unknown[][]; tags?: Record<string, string> }>): Array<Record<string, unknown>> {
  return rowsOf(series).filter((row) => !isTombstone(row)).map(presentOnly);
}
