import type { ClusterNode } from '../cluster/cluster-node.ts';
import type { FamilyId } from '../families/index.ts';
import { createMarkStore, tellUnreadableRecords } from '../review/mark-store.ts';
import { createReviewService, type ReviewService } from '../review/review-service.ts';
import { createRollupEngine, type RollupEngine } from '../rollups/rollup-engine.ts';
import type { Part, PartBasics } from './part.ts';

export interface Rollups {
  readonly engine: RollupEngine;
  /** Marks the window a reading (or a review mark) touches: in Redis in a cluster, in the engine on one node. */
  readonly markDirty: (family: FamilyId, timeMs: number) => void;
  readonly review: ReviewService;
}

export interface RollupsPart extends Part<Rollups> {
  /** Undefined before start. */
  readonly engine: RollupEngine | undefined;
  /** Sets the rollups running: the root calls it once ingest is writing. */
  run(): void;
}

/**
 * The rollup engine and the officers' review marks (issue 22). Built before ingest, whose readings
 * mark windows; run once ingest writes; closed after the alarms and before the cluster node.
 */
export function createRollupsPart(deps: PartBasics & {
  readonly node: ClusterNode | undefined;
}): RollupsPart {
  const { config, node } = deps;
  let engine: RollupEngine | undefined;
  return {
    get engine() { return engine; },
    async start() {
      const { influx, registry, metrics, log } = deps;
      const tellUnreadable = tellUnreadableRecords(log, (rows) => metrics.reviewRecordsUnreadable.set(rows));
      const gridThresholds = { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct, minPoints: config.rollups.sustainedPoints };
      // The engine reads the review history through the review service (below), so one reader tells of unreadable rows.
      const reviewSource = { state: () => review.state() };
      const activeEngine = createRollupEngine({ influx, registry, metrics, log, intervalMs: config.rollups.intervalMs, concurrency: config.rollups.concurrency, gridThresholds, review: reviewSource });
      engine = activeEngine;
      // In a cluster, readings mark windows in Redis and only the leader rolls up (services/cluster/); the marks
      // carry days, so a reading whose rollup reaches into the next day marks that day too (instantsDirtiedBy).
      const markDirty = node
        ? (family: FamilyId, timeMs: number) => { for (const at of activeEngine.instantsDirtiedBy(family, timeMs)) node.rollupMarks.mark(family, at); }
        : activeEngine.markDirty;
      // Review marks (issue 22): any node takes them; the days they reach are rolled up again like a late reading's.
      const review = createReviewService({ store: createMarkStore(influx, tellUnreadable), registry, markDirty });
      return { engine: activeEngine, markDirty, review };
    },
    run() {
      if (!engine || !config.rollups.enabled) return;
      if (node) node.leaderServices.add(node.rollupMarks.leaderService(engine));
      else engine.start();
    },
    async close() {
      await engine?.close();
    },
  };
}
