import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { redactUserinfo } from '../redact-url.ts';
import type { Logger } from 'pino';
import { WanxiangError } from '../errors.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { Topics } from '../topics.ts';

export interface SubscriberOptions {
  readonly brokerUrl: string;
  readonly username: string;
  readonly password: string;
  /** Shared-subscription group: every worker of the group gets a share of the stream. */
  readonly group: string;
  /** Sessions this worker holds in the group (each with `window` messages in flight). */
  readonly sessions: number;
  /** Stable across restarts, so that a restarted worker collects what its sessions were sent. */
  readonly nodeId: string;
  readonly topics: Topics;
  readonly ingest: Pick<Ingest, 'accept'>;
  readonly log: Logger;
  readonly now?: () => number;
  readonly connectTimeoutMs?: number;
  /** Messages in flight (spooling, not yet acknowledged) per session; default 64. */
  readonly window?: number;
  /** The registered device whose client ids include this one (`<id>` or `<id>-<suffix>`), if any. */
  readonly deviceOwning?: (clientId: string) => string | null;
}

/** A session's client id: stable, so that its persistent session survives a restart. */
const sessionClientId = (nodeId: string, index: number) => `${nodeId}-${index}`;

/**
 * Handed to mqtt.js's handleMessage callback: an error there makes mqtt.js skip its own
 * PUBACK and go on to the next packet (lib/handlers/publish.js: `if (err) return done(err)`);
 * the PUBACK is then ours to send. tests/cluster/mqtt-subscriber.test.ts holds mqtt.js to it.
 */
const deferred = Object.freeze(new Error('PUBACK deferred until the spool append'));

export interface Subscriber {
  /** Connects every session and subscribes; rejects with WX_ERR_BROKER_UNAVAILABLE or WX_ERR_SUBSCRIBE_NOT_ALLOWED. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** The shared-subscription filters, e.g. `$share/GROUP/luohu/v1/+/+/telemetry`. */
  readonly filters: readonly string[];
  /**
   * Publishes through the external broker on this worker's first connected session: the
   * refusal notices to a device's errors topic (issue 19, item 5), which the exported ACL lets
   * the ingest login write and the device read.
   */
  publish(topic: string, payload: string, options?: { qos?: 0 | 1 }): Promise<void>;
}

/**
 * Ingest as a client of any MQTT broker (mosquitto, EMQX, HiveMQ, VerneMQ): the same Ingest as
 * on the embedded path, fed by shared subscriptions at QoS 1.
 *
 * Durable before acknowledged, as on the embedded path: a message's PUBACK goes to the broker
 * only once its spool append resolved. Until then the broker holds it in flight for this
 * session; a worker that dies before the PUBACK gets it again when it reconnects (persistent
 * session, clean = false [MQTT-3.1.2-4]), and a message spooled but not yet acknowledged comes
 * twice: harmless, a point with the same measurement, tags and time overwrites itself.
 *
 * mqtt.js acknowledges a QoS 1 message inside `handleMessage`'s callback and reads the next
 * packet only after it (lib/handlers/publish.js, case 1), so waiting there would carry one
 * message per spool commit (~100/s a session). Instead each session keeps a window of
 * `window` messages in flight: handleMessage hands the message to the spool and returns at
 * once with `deferred` (mqtt.js then sends no PUBACK), and the PUBACKs are sent here, in the
 * order the PUBLISHes arrived [MQTT-4.6.0-2], each once its own append and every earlier one
 * resolved. A PUBACK is sent only on the connection its PUBLISH came on: after a reconnect
 * the broker resends what was not acknowledged, and a stale id must not acknowledge anew.
 */
export function createMqttSubscriber(options: SubscriberOptions): Subscriber {
  const { topics, ingest, log } = options;
  const now = options.now ?? Date.now;
  const window = options.window ?? 64;
  const filters = (['telemetry', 'status'] as const).map((kind) => `$share/${options.group}/${topics.filterAll(kind)}`);
  const clients: MqttClient[] = [];

  function handlerFor(client: MqttClient, clientId: string) {
    const sendPacket = (client as unknown as { _sendPacket(packet: object, callback?: () => void): void })._sendPacket.bind(client);
    let inOrder: Promise<unknown> = Promise.resolve();
    let inFlight = 0;
    let room: (() => void) | undefined;

    return (packet: Packet, callback: (error?: Error) => void): void => {
      if (packet.cmd !== 'publish') return callback();
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const appended = ingest.accept({ topic: packet.topic, payload, receivedAtMs: now() });
      if (packet.qos !== 1) {
        appended.then(() => callback(), (error: unknown) => callback(error as Error));
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
        room?.();
        room = undefined;
      });
      // mqtt.js reads the next packet at once, unless the window is full.
      if (inFlight < window) return callback(deferred);
      room = () => callback(deferred);
    };
  }

  async function openSession(index: number): Promise<MqttClient> {
    const clientId = sessionClientId(options.nodeId, index);
    const clientOptions: IClientOptions = {
      clientId,
      username: options.username,
      password: options.password,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 1_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      manualConnect: true,
    };
    const client = mqtt.connect(options.brokerUrl, clientOptions);
    // Set before connecting: a persistent session's queued messages arrive right after CONNACK.
    client.handleMessage = handlerFor(client, clientId);
    clients.push(client);
    client.on('reconnect', () => log.warn({ clientId }, 'broker connection lost; reconnecting'));
    client.on('error', (error) => log.warn({ clientId, err: error }, 'broker client error'));
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        client.removeListener('connect', ok);
        reject(new WanxiangError('WX_ERR_BROKER_UNAVAILABLE', `broker ${redactUserinfo(options.brokerUrl)} refused or did not answer session ${clientId}: ${error.message}`, { cause: error }));
      };
      const ok = () => {
        client.removeListener('error', fail);
        resolve();
      };
      client.once('connect', ok);
      client.once('error', fail);
      client.connect();
    });
    const refused = (detail: string) => new WanxiangError('WX_ERR_SUBSCRIBE_NOT_ALLOWED', `broker refused ${detail} to ${options.username}: check its ACL`);
    // mqtt.js rejects a SUBACK holding 0x80 (MQTT 3.1.1 §3.9.3: Failure) itself; older brokers' grants are checked too.
    const granted = await client.subscribeAsync(Object.fromEntries(filters.map((filter) => [filter, { qos: 1 as const }]))).catch((error: Error) => {
      throw refused(`${filters.join(', ')} (${error.message})`);
    });
    const failed = granted.filter((grant) => grant.qos === 128);
    if (failed.length > 0) throw refused(failed.map((grant) => grant.topic).join(', '));
    return client;
  }

  return {
    filters,
    async publish(topic, payload, publishOptions = {}) {
      const client = clients.find((candidate) => candidate.connected);
      if (!client) throw new WanxiangError('WX_ERR_BROKER_UNAVAILABLE', `no session connected to ${options.brokerUrl}`);
      await client.publishAsync(topic, payload, { qos: publishOptions.qos ?? 1 });
    },
    async start() {
      // A device may log in with `<its id>-<suffix>` client ids, and a login with a session's client
      // id closes that session [MQTT-3.1.4-2]: a device named after the node (`ingest-a` beside
      // node `ingest-a`'s `ingest-a-0`) would take this worker's sessions and what they hold.
      for (let index = 0; index < options.sessions; index += 1) {
        const owner = options.deviceOwning?.(sessionClientId(options.nodeId, index)) ?? null;
        if (owner !== null) throw new WanxiangError('WX_ERR_CONFIG', `cluster.nodeId ${JSON.stringify(options.nodeId)} makes the ingest client id ${sessionClientId(options.nodeId, index)}, which the registered device ${owner} may log in with: give the node another id (WX_NODE_ID)`);
      }
      try {
        for (let index = 0; index < options.sessions; index += 1) await openSession(index);
      } catch (error) {
        await this.close();
        throw error;
      }
      // The group is not logged: a reader of the log could join it (shared-group.ts).
      log.info({ broker: redactUserinfo(options.brokerUrl), filters: filters.map((filter) => filter.replace(`$share/${options.group}/`, '$share/…/')), sessions: options.sessions, nodeId: options.nodeId }, 'ingest subscribed to the broker');
    },
    async close() {
      // A clean DISCONNECT keeps the persistent session at the broker: what arrives meanwhile
      // waits for this worker's return (or is dealt to the group's other sessions).
      await Promise.all(clients.splice(0).map((client) => client.endAsync().catch(() => undefined)));
    },
  };
}
