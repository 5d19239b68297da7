import type { DeviceRegistry } from '../../registry/device-registry.ts';
import type { InfluxClient } from '../../storage/influx-client.ts';
import type { Period } from '../period.ts';
import type { Target } from '../targets.ts';
import { presentOnly } from '../../rollups/fields-present.ts';

export interface RuleContext {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly period: Period;
  readonly target: Target;
}

/** Where a figure came from, so an officer can check it against the stored points. */
export interface Provenance {
  readonly measurement: string;
  readonly points: number;
  readonly from: string;
  readonly to: string;
  readonly query: string;
  /** How the values were rounded before they were judged (water: the 2020 statistics rule). */
  readonly rounding?: string;
}

export interface RuleOutcome {
  readonly value: number | string | null;
  /** Share of the period's elapsed days (or months) with valid data, 0-1. */
  readonly completeness: number;
  /** Whether the data meet the standard's validity rule for this period. */
  readonly sufficient: boolean;
  readonly standards: readonly string[];
  readonly provenance: readonly Provenance[];
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Rule = (context: RuleContext) => Promise<RuleOutcome>;

export const timeRange = (period: Period) => `time >= ${period.fromMs}ms AND time < ${period.toMs}ms`;
export const isoOf = (ms: number) => new Date(ms).toISOString();
export const elapsedDays = (period: Period) => Math.max(1, Math.round((period.toMs - period.fromMs) / 86_400_000));

/** Rows of the first series as objects keyed by column. */
export async function queryRows(influx: InfluxClient, query: string): Promise<Array<Record<string, unknown>>> {
  const series = await influx.query(query);
  // A field a review mark took away is no longer listed in its point (rollups/fields-present.ts).
  return series.flatMap((s) => s.values.map((row) => presentOnly({ ...s.tags, ...Object.fromEntries(s.columns.map((column, i) => [column, row[i]])) })));
}
