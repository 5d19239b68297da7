import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { AccessControl } from './access-control.ts';
import { hasLocalSubscriber } from './local-subscribers.ts';
import { createPublishFront, type PublishFront } from './publish-front.ts';
import type { createRateDoor } from './rate-door.ts';

export interface FrontDoorDeps {
  readonly access: AccessControl;
  readonly rate: ReturnType<typeof createRateDoor>;
  readonly ingest: Ingest;
  readonly now: () => number;
  readonly aedes: () => Aedes | undefined;
  /** Each connection's own name for presence (create-broker.ts). */
  sessionOf(client: Client): string;
  /** Logs and counts a store that failed (the connection is then closed). */
  ingestFailed(error: unknown): void;
  readonly drainTimeoutMs: number;
}

/** The publish front with the broker's own door, rate, ingest and relay: what aedes's path does for a device's telemetry. */
export function createFrontDoor(deps: FrontDoorDeps): PublishFront {
  const { access, rate, ingest } = deps;
  return createPublishFront({
    eligible: (client) => access.principal(client)?.role === 'device',
    allowed: (client, topic) => access.decidePublish(client, { topic } as PublishPacket).allowed,
    waitFor: (client, payload) => rate.waitFor(access.principal(client)!.id, payload),
    store(client, message) {
      const principal = access.principal(client);
      // A replay's or backfill's session (its credential, access-control.ts): history, no live alarm.
      const history = principal?.role === 'device' && principal.history === true;
      return ingest.accept({ topic: message.topic, payload: message.payload, receivedAtMs: deps.now(), session: deps.sessionOf(client), history });
    },
    relay(client, message) {
      // What aedes did after its PUBACK: the message to this broker's subscribers, if any (the wall's observers).
      const aedes = deps.aedes();
      if (!aedes || !hasLocalSubscriber(aedes, message.topic)) return;
      const publish = aedes.publish.bind(aedes) as unknown as (packet: PublishPacket, client: Client, done: () => void) => void;
      publish({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: false, dup: false }, client, () => undefined);
    },
    broken: (error) => deps.ingestFailed(error),
    failed(client, error) {
      deps.ingestFailed(error);
      // As aedes's own authorizePublish error: its client's 'error' closes the connection, unacknowledged.
      (client as unknown as { emit(event: 'error', error: Error): void }).emit('error', error instanceof Error ? error : new Error(String(error)));
    },
    maxInFlight: 64,
    maxInFlightBytes: 1024 * 1024,
    drainTimeoutMs: deps.drainTimeoutMs,
  });
}
