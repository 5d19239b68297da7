import type { MqttClient, Packet } from 'mqtt';
import type { Logger } from 'pino';
import type { Ingest } from '../ingest/create-ingest.ts';

/**
 * Handed to mqtt.js's handleMessage callback: an error there makes mqtt.js skip its own
 * PUBACK and go on to the next packet (lib/handlers/publish.js: `if (err) return done(err)`);
 * the PUBACK is then ours to send. tests/cluster/mqtt-subscriber.test.ts holds mqtt.js to it.
 */
const deferred = Object.freeze(new Error('PUBACK deferred until the spool append'));

export interface DurableHandler {
  /** mqtt.js's `client.handleMessage`. */
  readonly handleMessage: (packet: Packet, callback: (error?: Error) => void) => void;
  /** PUBLISHes received so far. */
  readonly received: () => number;
  /** Messages handed to the spool and not yet answered (their PUBACK not yet written, or their append pending). */
  readonly pending: () => number;
}

/**
 * Durable before acknowledged: a QoS 1 message's PUBACK is written only once its spool append
 * (`ingest.accept`) resolved, and only on the connection its PUBLISH came on.
 *
 * mqtt.js acknowledges a QoS 1 message inside `handleMessage`'s callback and reads the next
 * packet only after it (lib/handlers/publish.js, case 1), so waiting there would carry one
 * message per spool commit (~100/s a session). Instead a session keeps a window of `window`
 * messages in flight: handleMessage hands the message to the spool and returns at once with
 * `deferred` (mqtt.js then sends no PUBACK), and the PUBACKs are sent here, in the order the
 * PUBLISHes arrived [MQTT-4.6.0-2], each once its own append and every earlier one resolved.
 * After a reconnect the broker resends what was not acknowledged, and a stale id must not
 * acknowledge anew.
 */
export function createDurableHandler(deps: {
  readonly client: MqttClient;
  readonly clientId: string;
  readonly ingest: Pick<Ingest, 'accept'>;
  readonly log: Logger;
  readonly now: () => number;
  readonly window: number;
}): DurableHandler {
  const { client, clientId, ingest, log, now, window } = deps;
  const sendPacket = (client as unknown as { _sendPacket(packet: object, callback?: () => void): void })._sendPacket.bind(client);
  let inOrder: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  let received = 0;
  let pending = 0;
  let room: (() => void) | undefined;

  const handleMessage = (packet: Packet, callback: (error?: Error) => void): void => {
    if (packet.cmd !== 'publish') return callback();
    received += 1;
    pending += 1;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const appended = ingest.accept({ topic: packet.topic, payload, receivedAtMs: now() });
    if (packet.qos !== 1) {
      appended.finally(() => (pending -= 1)).then(() => callback(), (error: unknown) => callback(error as Error));
      return;
    }
    const stream = client.stream;
    const { messageId } = packet;
    inFlight += 1;
    inOrder = Promise.all([inOrder, appended]).then(
      () => {
        // Never through mqtt.js's offline queue: a queued PUBACK would go out after a reconnect.
        if (client.connected && client.stream === stream && !stream.destroyed) sendPacket({ cmd: 'puback', messageId });
      },
      (error: unknown) => {
        // Not durable, so not acknowledged: drop the connection; the broker keeps this message
        // (and every later one not yet acknowledged) for the session and resends it.
        log.error({ err: error, clientId, topic: packet.topic }, 'spool append failed; the message stays unacknowledged at the broker');
        stream.destroy();
      },
    ).finally(() => {
      inFlight -= 1;
      pending -= 1;
      room?.();
      room = undefined;
    });
    // mqtt.js reads the next packet at once, unless the window is full.
    if (inFlight < window) return callback(deferred);
    room = () => callback(deferred);
  };
  return { handleMessage, received: () => received, pending: () => pending };
}
