import type { DeviceRegistry } from '../../registry/device-registry.ts';
import type { InfluxClient } from '../../storage/influx-client.ts';
import type { Period } from '../period.ts';
import type { Target } from '../targets.ts';
import { isTombstone, presentOnly } from '../../rollups/fields-present.ts';
import type { ReviewState } from '../../rollups/review-overlay.ts';

export interface RuleContext {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly period: Period;
  readonly target: Target;
  /**
   * The officers' review (issue 22 item 2): the marks in force, and whether this evaluation is the
   * unreviewed one (the figures as the instruments gave them, beside the reviewed ones).
   */
  readonly review?: { readonly state: ReviewState; readonly unreviewed: boolean };
  /**
   * Reads several rules of one evaluation make alike, made once (compliance.ts): every water section
   * read its own samples, twice (its class, and the rivers' share), and both air targets the same
   * days, 30-odd queries an evaluation where a handful do (red team, HTTP pass: a printable report
   * evaluates the year and each month, some 430 queries, two seconds of the platform's thread).
   */
  readonly shared?: SharedReads;
}

/** A read by its key: made by the first rule that asks, handed to the others. */
export type SharedReads = <T>(key: string, read: () => Promise<T>) => Promise<T>;

export function createSharedReads(): SharedReads {
  const reads = new Map<string, Promise<unknown>>();
  return <T>(key: string, read: () => Promise<T>) => {
    const known = reads.get(key) as Promise<T> | undefined;
    if (known) return known;
    const made = read();
    reads.set(key, made);
    return made;
  };
}

/** The shared read of a context, or the read itself where nothing is shared (a rule called alone). */
export const sharedRead = <T>(context: RuleContext, key: string, read: () => Promise<T>): Promise<T> => (context.shared ? context.shared(key, read) : read());

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

/**
 * One input a figure is computed from (a district day, a section's period means), with a signature
 * of the values the figure takes from it. The reviewed and unreviewed evaluations give the same keys;
 * an input whose signature differs (or that one of them lacks: a day made invalid) is one a review
 * mark changed, and only marks over such inputs moved the figure (issue 22 item 3).
 */
export interface FigureInput {
  readonly key: string;
  readonly signature: string;
  /** The devices whose readings make the input, and the span they cover. */
  readonly devices: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  /** The raw fields the figure takes from it: a mark of other fields changes nothing here. */
  readonly fields: readonly string[];
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
  /** What the figure is computed from, for the marks that moved it (rules with an unreviewed figure). */
  readonly inputs?: readonly FigureInput[];
}

export type Rule = (context: RuleContext) => Promise<RuleOutcome>;

export const timeRange = (period: Period) => `time >= ${period.fromMs}ms AND time < ${period.toMs}ms`;
export const isoOf = (ms: number) => new Date(ms).toISOString();
export const elapsedDays = (period: Period) => Math.max(1, Math.round((period.toMs - period.fromMs) / 86_400_000));

/** Rows of the first series as objects keyed by column. */
export async function queryRows(influx: InfluxClient, query: string): Promise<Array<Record<string, unknown>>> {
  const series = await influx.query(query);
  // A field a review mark took away is no longer listed in its point, and a tombstone (a point a mark
  // emptied or a recomputation no longer yields) lists none: it is no row (rollups/fields-present.ts).
  return series.flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((column, i) => [column, row[i]])) })))
    .filter((row) => !isTombstone(row)).map(presentOnly);
}

/**
 * Rows of a rollup measurement as the evaluation sees them: the reviewed points, or for the unreviewed
 * evaluation each point's unreviewed copy where a review mark wrote one (`<measurement>_unreviewed`).
 * `select` names the fields; `where` holds no field conditions (they would judge the other copy).
 */
export async function rollupRows(context: RuleContext, measurement: string, select: string, where: string): Promise<{ rows: Array<Record<string, unknown>>; query: string }> {
  const query = `SELECT ${select}, "fields_present" FROM "${measurement}" WHERE ${where}`;
  const rows = await queryRows(context.influx, query);
  if (!context.review?.unreviewed) return { rows, query };
  const copies = await queryRows(context.influx, `SELECT ${select}, "fields_present" FROM "${measurement}_unreviewed" WHERE ${where}`);
  const keyOf = (row: Record<string, unknown>) => `${String(row.device ?? '')}|${String(row.time)}`;
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  for (const copy of copies) byKey.set(keyOf(copy), copy);
  return { rows: [...byKey.values()].sort((a, b) => Number(a.time) - Number(b.time)), query };
}
