import { Counter, Histogram, type Registry } from 'prom-client';

const made = new WeakMap<Registry, ReturnType<typeof makeEventMetrics>>();

/**
 * The events' counters (issue 23, items 4 and 6), on the platform's own registry: made once per
 * registry, so a cluster node that leads again (a new engine per term) counts on in the same ones.
 */
export function createEventMetrics(registry: Registry) {
  let metrics = made.get(registry);
  if (!metrics) made.set(registry, (metrics = makeEventMetrics(registry)));
  return metrics;
}

function makeEventMetrics(registry: Registry) {
  const registers = [registry];
  return {
    changes: new Counter({ name: 'wanxiang_event_changes_total', help: 'Changes to events, by kind (opened, joined, severity-raised, dispatched, started, resolved, closed, reopened, commented, escalated).', labelNames: ['kind'], registers }),
    escalations: new Counter({ name: 'wanxiang_event_escalations_total', help: 'Events escalated, by the department that was late and why (not-acknowledged, not-resolved).', labelNames: ['department', 'reason'], registers }),
    // Minutes to days: a critical event is due in ten minutes, an informational one in three days.
    responseSeconds: new Histogram({
      name: 'wanxiang_event_response_seconds',
      help: 'Time to dispatch (opened or reopened → first dispatch), acknowledge (latest dispatch → started) and resolve (latest dispatch → resolved), every cycle of an event, by stage, department (the one dispatched to) and family.',
      labelNames: ['stage', 'department', 'family'],
      buckets: [60, 300, 600, 1_800, 3_600, 4 * 3_600, 24 * 3_600, 72 * 3_600],
      registers,
    }),
  };
}

export type EventMetrics = ReturnType<typeof createEventMetrics>;
