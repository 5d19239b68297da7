import type { ErrorCode } from '../errors.ts';
import type { AqiLevel, AqiStandard, WaterClass, WaterParameter } from '../standards/index.ts';

/** The row's own `id`, echoed on its result (good or bad) when it has a readable one. */
export type RowId = string | number;

export interface AirResult {
  /** Null when nothing could be computed, or when HJ 633-2026 §5.3.1 forbids publishing it. */
  readonly aqi: number | null;
  readonly iaqi: Readonly<Partial<Record<string, number>>>;
  /** Empty when AQI ≤ 50 (HJ 633-2012 §4.4.2 / HJ 633-2026 §4.3.1). */
  readonly primary: readonly string[];
  readonly level: AqiLevel | null;
  readonly category: string | null;
  readonly standard: AqiStandard;
  /** Indicators of this standard version the row left out. */
  readonly missing: readonly string[];
}

export interface WaterResult {
  readonly class: WaterClass;
  readonly grade: string;
  readonly limiting: readonly WaterParameter[];
  readonly multiples: Readonly<Partial<Record<WaterParameter, number>>>;
  /** Lakes and reservoirs with a TN value: TN's own class, beside the section class (never in class or limiting). */
  readonly tnClass?: WaterClass;
  readonly standard: 'GB 3838-2002';
}

export interface NoiseResult {
  readonly limit: number;
  readonly exceeds: boolean;
  readonly lmaxLimit: number | null;
  readonly lmaxExceeds: boolean | null;
  readonly standard: 'GB 3096-2008';
}

export interface RowError {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** One line of the answer, in the input's order. */
export type EvaluateResult = { readonly id?: RowId } & (AirResult | WaterResult | NoiseResult | RowError);

/** How the input is written; `auto` looks at the first non-blank character. */
export type InputFormat = 'auto' | 'ndjson' | 'csv' | 'json';
