import type { MarkReason } from '../review/mark-schema.ts';
import type { DistrictEvent } from './event-types.ts';
import { eventCause } from './event-cause.ts';
import { isResolutionCause, resolutionCauses } from './resolution-causes.ts';

/** A review mark an officer may take (the body of POST /api/v1/review/marks), never taken for them. */
export interface SuggestedReviewMark {
  readonly device: string;
  readonly from: string;
  readonly to: string;
  readonly reason: MarkReason;
  readonly comment: string;
}

/**
 * A device's fault or its maintenance means its readings over the event are not the air's or the
 * water's: the review marks that would take them out of the figures (HJ 212-2017 Table 8 flags D
 * and M, as mark-schema.ts). Suggested only: marking data invalid is an officer's call (the review
 * route is an officer's), and the span, from each device's first alarm to its last clearing (or the
 * resolution while one is still open), is where the alarms saw the fault, not necessarily all of it.
 */
export function suggestedReviewMarks(event: DistrictEvent): SuggestedReviewMark[] {
  const cause = eventCause(event);
  if (!isResolutionCause(cause)) return [];
  const reason = resolutionCauses[cause].markReason;
  if (reason === null) return [];
  const spans = new Map<string, { fromMs: number; toMs: number }>();
  for (const alarm of event.alarms) {
    const toMs = alarm.closedAtMs ?? event.resolvedAtMs ?? event.updatedAtMs;
    const span = spans.get(alarm.deviceId);
    spans.set(alarm.deviceId, span ? { fromMs: Math.min(span.fromMs, alarm.openedAtMs), toMs: Math.max(span.toMs, toMs) } : { fromMs: alarm.openedAtMs, toMs });
  }
  // A flapping device's run keeps its latest alarm only (rejoin-runs.ts): the run began at its first join.
  for (const record of event.timeline) {
    const span = record.kind === 'joined' && record.run ? spans.get(record.alarm.deviceId) : undefined;
    if (span && record.kind === 'joined' && record.run) span.fromMs = Math.min(span.fromMs, record.run.firstAtMs);
  }
  return [...spans].filter(([, span]) => span.toMs > span.fromMs).map(([device, span]) => ({
    device, from: new Date(span.fromMs).toISOString(), to: new Date(span.toMs).toISOString(), reason, comment: `event ${event.id}: ${resolutionCauses[cause].en}`,
  }));
}
