import { WanxiangError } from '../errors.ts';
import type { DistrictEvent } from './event-types.ts';

/**
 * The most comments one event takes. Every answer about an event carried its whole timeline, built
 * and checked in one turn of the platform's only thread: 1,000 comments of 2,000 characters made
 * one event's answer 6 MB and half a second of that thread, for every reader who asked, and the
 * comments had no end (red team, events pass). Answers carry the newest entries now
 * (timeline-page.ts); the cap still bounds what one event holds in memory, replays at start and
 * shares with a cluster's replicas. 500 is a comment every ten minutes of a three-day
 * event; the lifecycle's own changes (dispatch, start, resolve, close, reopen) are never refused
 * for it, so a full event can still be seen through.
 */
export const maxCommentsPerEvent = 500;

/** Throws WX_ERR_EVENT_COMMENTS_FULL when the event has its most comments already. */
export function assertRoomForComment(event: DistrictEvent): void {
  const comments = event.timeline.filter((record) => record.kind === 'commented').length;
  if (comments >= maxCommentsPerEvent) {
    throw new WanxiangError('WX_ERR_EVENT_COMMENTS_FULL', `event ${event.id} has ${comments} comments, the most one event takes (${maxCommentsPerEvent}); its lifecycle's changes are still taken, with their notes`, { value: event.id });
  }
}
