import { WanxiangError } from '../errors.ts';
import type { DistrictEvent } from './event-types.ts';

/**
 * Four eyes (events.closeBySomeoneElse): a resolution is verified by someone other than who made
 * it, as a duty centre checks a department's work. Only the operator's close of a resolved event
 * is a verification; dismissing an open event verifies nobody's work, and the system's close once
 * the condition stays clear is the data's check. People are told apart by the names actions record,
 * so unnamed tokens of one role (recorded as the role) count as one person.
 */
export function assertSomeoneElseCloses(event: DistrictEvent, by: string): void {
  if (event.state !== 'resolved') return;
  const resolution = event.timeline.findLast((record) => record.kind === 'resolved');
  if (resolution?.by !== by) return;
  throw new WanxiangError('WX_ERR_EVENT_SAME_PERSON', `event ${event.id} was resolved by ${by}: another person verifies and closes it (events.closeBySomeoneElse)`, { value: by });
}
