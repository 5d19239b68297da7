import type { Aedes } from 'aedes';

/** The part of aedes's in-process emitter (mqemitter) that knows its subscriptions: a Qlobber of topic filters. */
interface Matcher {
  match(topic: string): readonly unknown[];
}

/**
 * Whether any client of this broker subscribes to a filter matching `topic` (aedes adds each
 * subscription of a connected client to its emitter's matcher; an offline session receives no
 * QoS 0 message, so it need not count). The matcher is mqemitter's own, not aedes's API: if a
 * version of either lacks it, every topic counts as observed and nothing is skipped.
 */
export function hasLocalSubscriber(aedes: Aedes, topic: string): boolean {
  const matcher = (aedes as unknown as { mq?: { _matcher?: Partial<Matcher> } }).mq?._matcher;
  if (typeof matcher?.match !== 'function') return true;
  return matcher.match(topic).length > 0;
}
