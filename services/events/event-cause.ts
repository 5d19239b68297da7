import type { DistrictEvent } from './event-types.ts';
import { causeNotRecorded, type EventCause } from './resolution-causes.ts';

/**
 * The cause of the event's resolution as it stands: null while not resolved (or dismissed while open,
 * or reopened since), `not-recorded` for a resolution made before causes were kept.
 */
export function eventCause(event: Pick<DistrictEvent, 'state' | 'resolvedAtMs' | 'timeline'>): EventCause | null {
  if ((event.state !== 'resolved' && event.state !== 'closed') || event.resolvedAtMs === null) return null;
  const resolution = event.timeline.findLast((record) => record.kind === 'resolved');
  return resolution?.kind === 'resolved' ? (resolution.cause ?? causeNotRecorded) : null;
}
