import type { Logger } from 'pino';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Topics } from '../topics.ts';
import { listProblems, type Problem } from './problems.ts';
import type { Rejection } from './reading.ts';
import type { RejectionContext } from './rejection-log.ts';

/** What a device reads on `{prefix}/v1/{family}/{id}/errors` when a message of its was refused. */
export interface RefusalNotice {
  readonly code: string;
  readonly message: string;
  /** The topic the refused message came on. */
  readonly topic?: string;
  /** The reading's position, when the message was a batch. */
  readonly index?: number;
  readonly at: string;
  /** Refusals not sent since the last notice (the rate limit held them back). */
  readonly suppressed: number;
  /**
   * Every problem of the message when it had more than one (several refused readings of a
   * batch, a reading with a wrong type and an unknown field), the first 50 (issue 19, item 5).
   */
  readonly problems?: readonly Problem[];
  /** Problems beyond those listed. */
  readonly problemsNotNamed?: number;
}

export interface RefusalFeedback {
  /** A refusal the ingest recorded; published to the device's errors topic unless rate-limited. */
  report(rejection: Rejection, context: RejectionContext): void;
}

export interface RefusalFeedbackDeps {
  readonly topics: Topics;
  readonly registry: DeviceRegistry;
  /** QoS 1 is queued for the device's persistent session while it is away; QoS 0 reaches only who is connected. */
  readonly publish: (topic: string, payload: string, qos: 0 | 1) => Promise<void>;
  /**
   * Messages the broker holds for the device's own persistent session (queued while it is away, or
   * sent and not yet acknowledged), counted up to `atMost`. Without it (an external broker, whose
   * own queue limits apply) every notice is QoS 1.
   */
  readonly heldFor?: (deviceId: string, atMost: number) => Promise<number>;
  /** Messages the device's persistent session may hold before notices go at QoS 0 (mqtt.noticesQueuedWhileAway); 100 unless given. */
  readonly queuedWhileAway?: number;
  /** A notice sent at QoS 0 because the device's session held its share. */
  readonly onNotQueued?: () => void;
  readonly log: Logger;
  /** At most one notice per device in this many ms; the next one says how many were held back. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/** The message's every problem, for a notice (nothing when it had one: code and message say it). */
function problemsOf(rejection: Rejection, context: RejectionContext): Pick<RefusalNotice, 'problems' | 'problemsNotNamed'> {
  const listed = listProblems(context.problems ?? [rejection], 50);
  if (listed === null) return {};
  return listed.notNamed > 0 ? { problems: listed.problems, problemsNotNamed: listed.notNamed } : { problems: listed.problems };
}

/**
 * Tells a device why its message was refused (issue 13, item 19). MQTT 3.1.1 gives a PUBACK
 * no reason code [MQTT-3.4], so a refused reading is acknowledged like any other; the reason
 * goes to the device's own errors topic, which only that device may subscribe to. Rate-limited
 * per device so a device in a loop of bad messages cannot make the broker loop with it; no
 * timers (a held-back count rides on the next notice). Only registered devices get notices:
 * an unknown id has no one to tell.
 */
export function createRefusalFeedback(deps: RefusalFeedbackDeps): RefusalFeedback {
  const now = deps.now ?? Date.now;
  const intervalMs = deps.intervalMs ?? 1_000;
  const lastSent = new Map<string, number>();
  const held = new Map<string, number>();
  const queuedWhileAway = deps.queuedWhileAway ?? 100;
  /**
   * A device's own persistent session keeps every QoS 1 notice in the broker's memory until it is
   * acknowledged, and a tool with its secret (`<id>-tool`, a clean session) keeps making them, one a
   * second for as long as it runs (red team 11). Counting notices only while the device was away
   * (red team 12) left a session that is connected and never sends a PUBACK holding every one
   * (red team 13): the broker's own count of what the session holds decides. While it holds
   * `queuedWhileAway`, notices still reach whoever is connected, at QoS 0, and are counted.
   */
  function send(topic: string, notice: RefusalNotice, deviceId: string): Promise<void> {
    const payload = JSON.stringify(notice);
    if (!deps.heldFor) return deps.publish(topic, payload, 1);
    return deps.heldFor(deviceId, queuedWhileAway).then((held) => {
      if (held < queuedWhileAway) return deps.publish(topic, payload, 1);
      deps.onNotQueued?.();
      return deps.publish(topic, payload, 0);
    });
  }
  return {
    report(rejection, context) {
      const device = context.device === undefined ? undefined : deps.registry.device(context.device);
      if (!device) return;
      const at = now();
      if (at - (lastSent.get(device.id) ?? Number.NEGATIVE_INFINITY) < intervalMs) {
        held.set(device.id, (held.get(device.id) ?? 0) + 1);
        return;
      }
      lastSent.set(device.id, at);
      const notice: RefusalNotice = {
        code: rejection.code,
        message: rejection.message,
        ...(context.topic === undefined ? {} : { topic: context.topic.slice(0, 500) }),
        ...(rejection.index === undefined ? {} : { index: rejection.index }),
        at: new Date(at).toISOString(),
        suppressed: held.get(device.id) ?? 0,
        ...problemsOf(rejection, context),
      };
      held.delete(device.id);
      send(deps.topics.build(device.family, device.id, 'errors'), notice, device.id).catch((error: unknown) => {
        deps.log.debug({ err: error, device: device.id }, 'refusal notice not published');
      });
    },
  };
}
