import type { Logger } from 'pino';
import { familyIds, type FamilyId } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { encodePoint, type Point } from '../storage/line-protocol.ts';
import { airRollup } from './air-rollup.ts';
import { createGridRollup, type GridThresholds } from './grid-rollup.ts';
import { noiseRollup } from './noise-rollup.ts';
import { parkingRollup } from './parking-rollup.ts';
import { moduleRollups } from './module-rollup.ts';
import { moduleMonthPoints, moduleMonthSpans, monthOf } from './module-month.ts';
import { readRawRows } from './raw-rows.ts';
import { readStationHours } from './station-hours.ts';
import { migrateRollups, writeSchemaMarker } from './rollup-schema.ts';
import { daysWithReadings } from './recent-days.ts';
import { dayOf, dayWindow, type FamilyRollup } from './rollup-types.ts';
import { samplingMinutesByDevice } from './sampling-interval.ts';
import { reviewedRows, reviewStateOf, type ReviewSource, type ReviewState } from './review-overlay.ts';
import { createMarkStore, tellUnreadableRecords } from '../review/mark-store.ts';
import { withFieldsPresent } from './fields-present.ts';
import { shareSpans, staleTombstones, type SharedSpans } from './stale-points.ts';
import { waterRollup } from './water-rollup.ts';

export interface RollupWindow {
  readonly family: FamilyId;
  readonly day: number;
}

export interface RollupEngine {
  /** A reading arrived: its day (and the days it reaches into) must be rolled up again. */
  markDirty(family: FamilyId, timeMs: number): void;
  /**
   * The instants whose days a reading at `timeMs` marks (beside the days each reaches back into): its
   * own, and a later one when its rollup says so (dirtyAheadMs). A cluster's marks carry days, not times.
   */
  instantsDirtiedBy(family: FamilyId, timeMs: number): number[];
  /** Recomputes every window marked since the last run; returns the windows it recomputed. */
  runOnce(): Promise<RollupWindow[]>;
  /** Marks and recomputes every day of a range, e.g. after a backfill. */
  recomputeRange(fromMs: number, toMs: number, families?: readonly FamilyId[]): Promise<RollupWindow[]>;
  start(): void;
  close(): Promise<void>;
}

export interface RollupEngineDeps {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly intervalMs?: number;
  readonly concurrency?: number;
  readonly gridThresholds?: GridThresholds;
  /**
   * The officers' review marks (issue 22): marked data leave the rollups. By default the history in
   * the same database, so every engine (the platform's, `wanxiang rollup` after a backfill) keeps them.
   */
  readonly review?: ReviewSource;
  /** Told of every window that failed (the rollup command exits 1 with the first error's code). */
  readonly onWindowFailed?: (window: RollupWindow, error: unknown) => void;
}

const linesPerWrite = 5_000;

/**
 * Incremental rollups: readings mark the windows (family, Beijing day) they touch; every
 * `intervalMs` the marked windows are recomputed from the raw points and written back.
 * A rollup point has the same series and time each time, so re-running overwrites it:
 * idempotent, and a late reading changes only the windows it touches. A stored point of the window
 * that the recomputation no longer yields gets a tombstone (stale-points.ts).
 */
export function createRollupEngine(deps: RollupEngineDeps): RollupEngine {
  const builtIn = [airRollup, waterRollup, noiseRollup, createGridRollup(deps.gridThresholds), parkingRollup];
  // Families whose module declares a daily rollup get it without a line here (issue 25, item 4).
  const rollups = new Map<FamilyId, FamilyRollup>([...builtIn, ...moduleRollups(familyIds, builtIn)].map((rollup) => [rollup.family, rollup]));
  let dirty = new Map<FamilyId, Set<number>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RollupWindow[]> | undefined;
  /** Null until the stored schema was checked; then whether the marker still has to be written. */
  let schemaPending: boolean | null = null;
  /** Whether the first run found rollups of an older schema and brought them to the current one. */
  let migrated = false;
  let failures = 0;
  /** Set by start(): the next run first takes the days of today and yesterday that hold readings. */
  let recentDue = false;
  /** Aborted by close(): a first run's migration stops between chunks (fields-present-stamp.ts). */
  let closing = new AbortController();
  const ownStore = deps.review ? undefined : createMarkStore(deps.influx, tellUnreadableRecords(deps.log));
  const reviewSource: ReviewSource = deps.review ?? { state: async () => reviewStateOf(await ownStore!.history()) };

  /**
   * The day each family's last reading marked, with every day it reaches, while `dirty` still holds
   * those marks: most readings between two runs fall on today, and each made arrays and set the same
   * marks again (grid: seven days back, per reading; 1.5 % of a batched reading's CPU in a profile).
   */
  let lastMarked = new Map<FamilyId, number>();

  function mark(family: FamilyId, day: number): void {
    let days = dirty.get(family);
    if (!days) dirty.set(family, (days = new Set()));
    days.add(day);
  }

  async function writePoints(points: readonly Point[]): Promise<void> {
    const lines = points.map(encodePoint);
    for (let i = 0; i < lines.length; i += linesPerWrite) await deps.influx.write(lines.slice(i, i + linesPerWrite).join('\n'));
  }

  async function recompute(window: RollupWindow, review: ReviewState | null, shared: SharedSpans<RollupWindow>): Promise<void> {
    const rollup = rollups.get(window.family)!;
    const day = dayWindow(window.day);
    const range = rollup.rawRange(day);
    const rows = await readRawRows(deps.influx, window.family, range.fromMs, range.toMs);
    const devices = deps.registry.devices.filter((device) => device.family === window.family);
    const stationHours = rollup.usesStationHours ? await readStationHours(deps.influx, window.family, range.fromMs, range.toMs) : undefined;
    // Each device's registered interval, else the one all its readings show, before any mark takes readings out.
    const context = { samplingMinutes: samplingMinutesByDevice(devices, rows), ...(stationHours ? { stationHours } : {}) };
    const reviewed = reviewedRows(review, rows, devices, range);
    const points = rollup.compute(day, reviewed.rows, devices, context);
    // Every point lists its fields (fields-present.ts); a touched window also gets its tombstones and unreviewed figures.
    const written = withFieldsPresent(points, reviewed.touched ? rollup.compute(day, rows, devices, context) : null);
    await writePoints(written);
    // Then a stored point of the window's spans it no longer yields gets its tombstone (stale-points.ts); a
    // span every day of a month writes, once all the run's days are written (runWindows).
    const spans = rollup.spans(day, deps.registry.devices).flatMap((span) => (reviewed.touched ? [span, { ...span, measurement: `${span.measurement}_unreviewed` }] : [span]));
    for (const span of spans.filter((candidate) => !candidate.shared)) await writePoints(await staleTombstones(deps.influx, span, written));
    shareSpans(shared, window, spans.filter((candidate) => candidate.shared), written);
    deps.metrics.rollupWindows.inc({ family: window.family });
  }

  async function runWindows(windows: RollupWindow[], review: ReviewState | null): Promise<RollupWindow[]> {
    const queue = [...windows];
    const failedNow = new Set<RollupWindow>();
    const failed = (window: RollupWindow, error: unknown) => {
      failures += 1;
      failedNow.add(window);
      deps.log.error({ err: error, family: window.family, day: window.day }, 'rollup failed; it will be retried');
      mark(window.family, window.day);
      deps.onWindowFailed?.(window, error);
    };
    const shared: SharedSpans<RollupWindow> = new Map();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(deps.concurrency ?? 2, queue.length) }, async () => {
        for (let window = queue.shift(); window; window = queue.shift()) {
          try {
            await recompute(window, review, shared);
          } catch (error) {
            failed(window, error);
          }
        }
      }),
    );
    // With every point its days yielded: two days of a month computed at once would each take the other's new point for stale.
    for (const { span, windows: days, written } of shared.values()) {
      await writePoints(await staleTombstones(deps.influx, span, written)).catch((error: unknown) => days.forEach((window) => failed(window, error)));
    }
    await writeModuleMonths(windows.filter((window) => !failedNow.has(window)));
    deps.metrics.rollupDuration.observe((performance.now() - started) / 1_000);
    return windows;
  }

  /**
   * Issue 25, item 4: the months of the families whose modules declare a summary, once per month
   * touched and after its days are written (so two days of one month never race for it).
   */
  async function writeModuleMonths(windows: readonly RollupWindow[]): Promise<void> {
    const months = new Map(windows.map((window) => [`${window.family}|${monthOf(dayWindow(window.day).startMs).fromMs}`, window]));
    for (const window of months.values()) {
      try {
        const points = await moduleMonthPoints(deps.influx, window.family, dayWindow(window.day).startMs);
        await writePoints(points);
        // A series whose days are all gone (tombstones) has no month any more: its stored month becomes one too.
        for (const span of moduleMonthSpans(window.family, dayWindow(window.day).startMs)) await writePoints(await staleTombstones(deps.influx, span, points));
      } catch (error) {
        failures += 1;
        deps.log.error({ err: error, family: window.family, day: window.day }, 'monthly rollup failed; it will be retried');
        mark(window.family, window.day);
        deps.onWindowFailed?.(window, error);
      }
    }
  }

  function takeDirty(): RollupWindow[] {
    const taken = dirty;
    dirty = new Map();
    lastMarked = new Map();
    return [...taken].flatMap(([family, days]) => [...days].sort((a, b) => a - b).map((day) => ({ family, day })));
  }

  /**
   * Rollups of an older schema (rollup-schema.ts) are brought to the current one on the first run
   * (cleared and recomputed, or given their fields_present), then the schema is marked current.
   * Steady-state runs never DELETE: InfluxDB 1.x deletes have lost unrelated points under concurrent
   * writes (influxdata/influxdb#8822, #9178; here a grid event vanished in one run in three), so a
   * window only ever overwrites its own points, and tombstones those it no longer yields.
   */
  async function runWithSchema(): Promise<RollupWindow[]> {
    if (schemaPending === null) {
      const measurements = [...rollups.values()].flatMap((rollup) => rollup.measurements(deps.registry.devices));
      const migration = await migrateRollups(deps.influx, Date.now(), measurements, {
        onProgress: ({ measurement, points }) => deps.log.info({ measurement, points }, 'rollup points of an older schema now list their fields (fields_present)'),
        onRefused: (measurement, lines, error) => deps.log.error({ code: 'WX_ERR_ROLLUP_FAILED', measurement, lines, err: error }, 'rollup points of an older schema could not be given their fields_present (InfluxDB refused the list: another program wrote fields_present with another type); the Grafana panels do not show them'),
        signal: closing.signal,
      });
      for (const window of migration?.recompute ?? []) if (rollups.has(window.family)) mark(window.family, window.day);
      if (migration?.recompute.length) deps.log.warn({ windows: migration.recompute.length }, 'rollups of an older schema found: recomputing them');
      migrated = migration !== null && (migration.recompute.length > 0 || migration.stamped > 0);
      schemaPending = true;
    }
    if (recentDue) {
      const yesterday = dayOf(Date.now()) - 1;
      for (const family of rollups.keys()) for (const day of await daysWithReadings(deps.influx, family, dayWindow(yesterday).startMs)) markDay(family, day);
      recentDue = false;
    }
    const before = failures;
    // Read before the dirty windows are taken: a history that cannot be read leaves them marked.
    const review = await reviewSource.state();
    const windows = await runWindows(takeDirty(), review);
    // The marker goes with the first rollups written or migrated (a database without any needs none yet).
    if (schemaPending && (windows.length > 0 || migrated) && failures === before) {
      await writeSchemaMarker(deps.influx, Date.now());
      schemaPending = false;
    }
    return windows;
  }

  async function runOnce(): Promise<RollupWindow[]> {
    while (running) await running; // one run at a time: a window is never written twice at once
    running = runWithSchema();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  }

  /** A day of a family due, with the days its rollup reaches into (air's next day, a noise night's previous one). */
  function markDay(family: FamilyId, day: number): void {
    const rollup = rollups.get(family);
    if (!rollup) return;
    mark(family, day);
    for (const other of rollup.alsoDirty(day)) mark(family, other);
  }

  function instantsDirtiedBy(family: FamilyId, timeMs: number): number[] {
    const ahead = rollups.get(family)?.dirtyAheadMs;
    return ahead && dayOf(timeMs + ahead) !== dayOf(timeMs) ? [timeMs, timeMs + ahead] : [timeMs];
  }

  return {
    markDirty(family, timeMs) {
      const day = dayOf(timeMs);
      const ahead = rollups.get(family)?.dirtyAheadMs;
      // A reading near midnight that reaches the next day (air's dirtyAheadMs) marks that day too, every time.
      const reachesNextDay = ahead !== undefined && ahead > 0 && dayOf(timeMs + ahead) !== day;
      if (!reachesNextDay && lastMarked.get(family) === day) return;
      for (const at of instantsDirtiedBy(family, timeMs)) markDay(family, dayOf(at));
      if (!reachesNextDay) lastMarked.set(family, day);
    },
    instantsDirtiedBy,
    runOnce,
    async recomputeRange(fromMs, toMs, families = [...rollups.keys()]) {
      for (const family of families) for (let day = dayOf(fromMs); day <= dayOf(toMs - 1); day += 1) mark(family, day);
      return runOnce();
    },
    start() {
      // Started again after a close (a cluster node that leads again): its migration may run again.
      if (closing.signal.aborted) closing = new AbortController();
      // The marks live in memory: those made after the last run of the previous process (readings of
      // its last seconds, the spool it wrote at shutdown, every mark of a run that crashed, the windows
      // a cluster leader took and did not run) are gone. The first run takes today and yesterday again
      // where they hold readings, which is where a live reading falls; a later reading of an older day marks it itself.
      recentDue = true;
      const tick = () => {
        runOnce().catch((error: unknown) => {
          if (closing.signal.aborted) deps.log.info({ err: error }, 'rollup run stopped: the engine is closing');
          else deps.log.error({ err: error }, 'rollup run failed');
        }).finally(() => {
          if (timer) timer = setTimeout(tick, deps.intervalMs ?? 10_000);
        });
      };
      timer = setTimeout(tick, deps.intervalMs ?? 10_000);
    },
    async close() {
      clearTimeout(timer);
      timer = undefined;
      closing.abort();
      // A run that failed (or stopped for the close) has been told of where it was awaited.
      await running?.catch(() => undefined);
    },
  };
}
