import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { redactUserinfo } from '../redact-url.ts';
import type { Logger } from 'pino';
import { WanxiangError } from '../errors.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { Topics } from '../topics.ts';
import { createDurableHandler } from './durable-handler.ts';
import { createLegacySessions, type LegacySessions } from './legacy-sessions.ts';
import { legacySessionClientId, sessionClientId } from './session-client-id.ts';

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
  /**
   * The registered device whose client ids include this one (`<id>` or `<id>-<suffix>`), if any.
   * Asked of the old client ids only (legacy-sessions.ts): the sessions' own are out of any device's reach.
   */
  readonly deviceOwning?: (clientId: string) => string | null;
}

export interface Subscriber {
  /**
   * Connects every session and subscribes (rejects with WX_ERR_BROKER_UNAVAILABLE or
   * WX_ERR_SUBSCRIBE_NOT_ALLOWED), then takes over the sessions left under the old client ids.
   */
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
 * Each session keeps a window of `window` messages at the spool and writes their PUBACKs in
 * arrival order (durable-handler.ts). Its client id is `_wx-ingest.<node id>.<index>`, which no
 * device or observer login can use (session-client-id.ts); the sessions workers left under their
 * old ids (`<node id>-<index>`) are taken over at the start, once the new ones are subscribed
 * (legacy-sessions.ts).
 */
export function createMqttSubscriber(options: SubscriberOptions): Subscriber {
  const { topics, ingest, log } = options;
  const now = options.now ?? Date.now;
  const window = options.window ?? 64;
  const filters = (['telemetry', 'status'] as const).map((kind) => `$share/${options.group}/${topics.filterAll(kind)}`);
  const clients: MqttClient[] = [];
  let legacy: LegacySessions | undefined;
  // The live sessions' lost connections: an old id's connect that closes one shares its session (legacy-sessions.ts).
  let liveDrops = 0;

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
    client.handleMessage = createDurableHandler({ client, clientId, ingest, log, now, window }).handleMessage;
    clients.push(client);
    client.on('close', () => {
      liveDrops += 1;
    });
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
      try {
        for (let index = 0; index < options.sessions; index += 1) await openSession(index);
      } catch (error) {
        await this.close();
        throw error;
      }
      // The group is not logged: a reader of the log could join it (shared-group.ts).
      log.info({ broker: redactUserinfo(options.brokerUrl), filters: filters.map((filter) => filter.replace(`$share/${options.group}/`, '$share/…/')), sessions: options.sessions, nodeId: options.nodeId }, 'ingest subscribed to the broker');
      // After the new sessions are subscribed, so that the group always has a live member.
      legacy = createLegacySessions({
        brokerUrl: options.brokerUrl, username: options.username, password: options.password, filters, ingest, log, now, window,
        clientIds: Array.from({ length: options.sessions }, (_, index) => legacySessionClientId(options.nodeId, index)),
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        liveDrops: () => liveDrops,
        ...(options.deviceOwning ? { deviceOwning: options.deviceOwning } : {}),
      });
      await legacy.drain();
      legacy = undefined;
    },
    async close() {
      // A clean DISCONNECT keeps the persistent session at the broker: what arrives meanwhile
      // waits for this worker's return (or is dealt to the group's other sessions).
      await legacy?.close();
      await Promise.all(clients.splice(0).map((client) => client.endAsync().catch(() => undefined)));
    },
  };
}
