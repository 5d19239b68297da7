import { WanxiangError } from '../errors.ts';
import { toEpochMs, type Instant } from './beijing-time.ts';
import { finiteNumber, nonNegative, numberInRange } from './checks.ts';

/**
 * Load rate in per cent: apparent power over rated capacity (standards.md §5: 台区 power / Σ transformer
 * capacity, on the kVA basis so that a poor power factor is not hidden).
 */
export function loadRatePct(apparentKva: number, ratedKva: number): number {
  const rated = finiteNumber(ratedKva, 'ratedKva');
  if (rated <= 0) throw new WanxiangError('WX_ERR_OUT_OF_RANGE', 'ratedKva must be positive', { value: ratedKva });
  return (nonNegative(apparentKva, 'apparentKva') / rated) * 100;
}

export interface LoadPoint {
  readonly at: Instant;
  /** Null for a missing point, which breaks a run. */
  readonly loadRatePct: number | null;
}

export interface LoadEventOptions {
  /** 重载 from this load rate, inclusive (default 80 %). */
  readonly heavyPct?: number;
  /** 过载 from this load rate, inclusive (default 100 %). */
  readonly overloadPct?: number;
  /** Consecutive points needed (default 8: 2 h of the 96-point daily curve). */
  readonly minPoints?: number;
  /** Spacing of the points (default 15 min); a larger gap breaks a run. */
  readonly intervalMs?: number;
}

export type LoadEventKind = 'heavy' | 'overload';

export interface LoadEvent {
  readonly kind: LoadEventKind;
  /** Epoch ms of the first and of the last point of the run. */
  readonly start: number;
  readonly end: number;
  readonly points: number;
  /** points × interval. */
  readonly durationMs: number;
  readonly peakPct: number;
  readonly peakAt: number;
}

interface Settings {
  readonly heavyPct: number;
  readonly overloadPct: number;
  readonly minPoints: number;
  readonly intervalMs: number;
}

function settings(options: LoadEventOptions): Settings {
  const heavyPct = numberInRange(options.heavyPct ?? 80, 'heavyPct', 0, 1_000);
  const overloadPct = numberInRange(options.overloadPct ?? 100, 'overloadPct', heavyPct, 1_000);
  const minPoints = numberInRange(options.minPoints ?? 8, 'minPoints', 1, 10_000);
  const intervalMs = numberInRange(options.intervalMs ?? 15 * 60_000, 'intervalMs', 1, 86_400_000);
  if (!Number.isInteger(minPoints)) throw new WanxiangError('WX_ERR_OUT_OF_RANGE', 'minPoints must be an integer', { value: minPoints });
  return { heavyPct, overloadPct, minPoints, intervalMs };
}

type Stamped = { at: number; pct: number | null };

function toEvent(kind: LoadEventKind, run: readonly Stamped[], intervalMs: number): LoadEvent {
  const peak = run.reduce((best, point) => ((point.pct ?? 0) > (best.pct ?? 0) ? point : best));
  return {
    kind, start: run[0]!.at, end: run[run.length - 1]!.at, points: run.length,
    durationMs: run.length * intervalMs, peakPct: peak.pct ?? 0, peakAt: peak.at,
  };
}

/** Maximal runs of consecutive points at or above a threshold, kept when at least minPoints long. */
function runsAtOrAbove(points: readonly Stamped[], threshold: number, config: Settings): Stamped[][] {
  const runs: Stamped[][] = [];
  let run: Stamped[] = [];
  const close = () => {
    if (run.length >= config.minPoints) runs.push(run);
    run = [];
  };
  for (const point of points) {
    const previous = run[run.length - 1];
    if (previous !== undefined && point.at - previous.at > config.intervalMs) close();
    if (point.pct !== null && point.pct >= threshold) run.push(point);
    else close();
  }
  close();
  return runs;
}

/**
 * 重载 / 过载 events (standards.md §5, industry practice, UNVERIFIED): a run of ≥ 8 consecutive
 * 15-min points with a load rate ≥ 80 % (heavy) or ≥ 100 % (overload). Heavy and overload runs are
 * found independently, so every overload event lies inside a heavy one. Events are sorted by start.
 */
export function detectLoadEvents(series: readonly LoadPoint[], options: LoadEventOptions = {}): LoadEvent[] {
  const config = settings(options);
  const points = series
    .map((point, index) => ({ at: toEpochMs(point.at), pct: point.loadRatePct === null ? null : nonNegative(point.loadRatePct, `series[${index}].loadRatePct`) }))
    .sort((a, b) => a.at - b.at);
  const heavy = runsAtOrAbove(points, config.heavyPct, config).map((run) => toEvent('heavy', run, config.intervalMs));
  const over = runsAtOrAbove(points, config.overloadPct, config).map((run) => toEvent('overload', run, config.intervalMs));
  return [...heavy, ...over].sort((a, b) => a.start - b.start || (a.kind === 'heavy' ? -1 : 1));
}

/** The worst state of a series: overload if any overload event, else heavy if any heavy event, else normal. */
export function classifyLoad(series: readonly LoadPoint[], options: LoadEventOptions = {}): 'overload' | 'heavy' | 'normal' {
  const events = detectLoadEvents(series, options);
  if (events.some((event) => event.kind === 'overload')) return 'overload';
  return events.length > 0 ? 'heavy' : 'normal';
}
