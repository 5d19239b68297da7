import { setTimeout as delay } from 'node:timers/promises';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Ingest } from '../ingest/create-ingest.ts';
import { createDurableHandler, type DurableHandler } from './durable-handler.ts';

export interface LegacySessionsOptions {
  readonly brokerUrl: string;
  readonly username: string;
  readonly password: string;
  /** The shared filters the old sessions were subscribed to. */
  readonly filters: readonly string[];
  /** The old client ids (`<node id>-<index>`, session-client-id.ts). */
  readonly clientIds: readonly string[];
  readonly ingest: Pick<Ingest, 'accept'>;
  readonly log: Logger;
  readonly now: () => number;
  readonly window: number;
  readonly connectTimeoutMs: number;
  /** The registered device or observer whose client ids include this one, if any: that id is never connected. */
  readonly deviceOwning?: (clientId: string) => string | null;
  /** How long one old session may go on delivering before it is left for the next start; default 5 s. */
  readonly budgetMs?: number;
  /** Nothing arriving and nothing at the spool for this long, and the queue looks empty; default 250 ms. */
  readonly quietMs?: number;
  /**
   * How many times the worker's own live sessions have lost their connection so far. A broker that
   * gives every client of a login the login as its client id (mosquitto's use_username_as_clientid,
   * on the devices' listener) gives the old id the live session's id: connecting with it closes the
   * live session [MQTT-3.1.4-2], and taking it over would unsubscribe the live session itself.
   */
  readonly liveDrops?: () => number;
  /** How long after its CONNACK an old id's connect is watched for closing a live session; default 300 ms. */
  readonly kickWaitMs?: number;
}

/**
 * What became of one old session: `device` (a registered device may log in with its id: not
 * touched), `absent` (there was none; the empty one our connect made is removed), `drained`
 * (what it held is spooled and acknowledged; the session is removed), `left` (still delivering
 * at the end of the budget, or unsure: kept persistent without the shared subscriptions, taken
 * up again at the next start), `unreachable` (the broker did not take the connect: untouched).
 */
export type LegacyOutcome = 'device' | 'absent' | 'drained' | 'left' | 'unreachable' | 'same-session';

export interface LegacySessions {
  /** Migrates every old session, all at once; never rejects. */
  drain(): Promise<ReadonlyMap<string, LegacyOutcome>>;
  /** Drops the connections still open (a stop during the start): what they hold stays at the broker. */
  close(): Promise<void>;
}

/**
 * The sessions workers left at the broker under their old client ids (`<node id>-<index>`, which a
 * device could log in with) may still hold QoS 1 messages, queued or unacknowledged; and a
 * mosquitto shared subscription goes on dealing new messages to an offline member. Run after the
 * new sessions are subscribed, this takes them over without loss:
 *
 * 1. connect with the old id, clean = false, through the same durable handler as the new
 *    sessions (a PUBACK only after the spool append);
 * 2. no session present: our connect made an empty one; remove it (clean = true, then DISCONNECT);
 * 3. a session present: UNSUBSCRIBE the shared filters, so nothing new is dealt to it, and take
 *    what it delivers until it is quiet: nothing arriving and nothing at the spool for `quietMs`,
 *    then one more UNSUBSCRIBE round trip with nothing arriving before its UNSUBACK. The broker
 *    reads our packets in order and sends a queued message as soon as a PUBACK frees a slot, so
 *    a message still queued comes before that UNSUBACK;
 * 4. quiet: DISCONNECT, and if nothing came meanwhile, remove the session (a clean = true
 *    connect discards it [MQTT-3.1.2-6]). Not quiet within `budgetMs`, or anything unexpected:
 *    DISCONNECT and keep the session, unsubscribed (nothing is lost; the next start tries again).
 */
export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  const { log } = options;
  const budgetMs = options.budgetMs ?? 5_000;
  const quietMs = options.quietMs ?? 250;
  const open = new Set<MqttClient>();
  const base = (clientId: string, clean: boolean): IClientOptions => ({
    clientId, clean, username: options.username, password: options.password, protocolVersion: 4,
    reconnectPeriod: 0, connectTimeout: options.connectTimeoutMs, manualConnect: true,
  });

  /** Connects; the CONNACK, or null when the broker refused or did not answer. */
  async function connect(client: MqttClient): Promise<IConnackPacket | null> {
    open.add(client);
    client.on('error', (error) => log.warn({ clientId: client.options.clientId, err: error }, 'old ingest session: broker client error'));
    const connack = await new Promise<IConnackPacket | null>((resolve) => {
      client.once('connect', resolve);
      client.once('close', () => resolve(null));
      client.connect();
    });
    return connack;
  }

  async function end(client: MqttClient): Promise<void> {
    await client.endAsync().catch(() => undefined);
    open.delete(client);
  }

  /** A clean = true connect discards the session the id had [MQTT-3.1.2-6]; its own ends with the connection. */
  async function remove(clientId: string): Promise<boolean> {
    const client = mqtt.connect(options.brokerUrl, base(clientId, true));
    const connack = await connect(client);
    await end(client);
    return connack !== null;
  }

  /**
   * Once the session is quiet and a round trip behind every PUBACK brought nothing more: the
   * messages received by then. Null when the deadline came first or the connection went.
   */
  async function untilQuiet(client: MqttClient, handler: DurableHandler, deadline: number): Promise<number | null> {
    let seen = handler.received();
    let quietSince = Date.now();
    while (Date.now() < deadline && client.connected) {
      if (handler.received() !== seen || handler.pending() > 0) {
        seen = handler.received();
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs) {
        const answered = await client.unsubscribeAsync([...options.filters]).then(() => true, () => false);
        if (!answered) return null;
        if (handler.received() === seen && handler.pending() === 0) return seen;
        seen = handler.received();
        quietSince = Date.now();
      }
      await delay(Math.max(10, quietMs / 5));
    }
    return null;
  }

  /** Waits (a second at most) for the spool's answers, so that what was appended is acknowledged before the DISCONNECT. */
  async function settle(handler: DurableHandler): Promise<void> {
    const until = Date.now() + 1_000;
    while (handler.pending() > 0 && Date.now() < until) await delay(20);
  }

  /** Step 3 and 4 for a session the broker held. */
  async function takeOver(client: MqttClient, handler: DurableHandler, clientId: string, deadline: number): Promise<LegacyOutcome> {
    const unsubscribed = await client.unsubscribeAsync([...options.filters]).then(() => true, () => false);
    const quietAt = unsubscribed ? await untilQuiet(client, handler, deadline) : null;
    await settle(handler);
    await end(client);
    const received = handler.received();
    // Anything that came after the quiet check may be unacknowledged at the broker: keep the session.
    const empty = quietAt !== null && received === quietAt && handler.pending() === 0;
    const outcome: LegacyOutcome = empty && (await remove(clientId)) ? 'drained' : 'left';
    if (outcome === 'drained') log.info({ clientId, messages: received }, `old ingest session ${clientId} taken over: ${received} messages spooled, the session removed`);
    else log.warn({ clientId, messages: received, unsubscribed }, `old ingest session ${clientId} still delivering or not confirmed empty after ${budgetMs} ms: ${received} messages spooled, the session kept at the broker${unsubscribed ? ' without its shared subscriptions' : ''} and taken up again at the next start`);
    return outcome;
  }

  async function migrate(clientId: string): Promise<LegacyOutcome> {
    const owner = options.deviceOwning?.(clientId) ?? null;
    if (owner !== null) {
      // Connecting would close the device's own session [MQTT-3.1.4-2], or take and discard it.
      log.warn({ clientId, device: owner }, `old ingest session ${clientId} not taken over: the registered device or observer ${owner} may log in with that client id. What the session holds stays at the broker, and a shared subscription it still has is dealt readings nobody stores: remove it at the broker (EMQX: kick the client and discard its session; mosquitto: connect once as the ingest login with that client id and a clean session while that login is away)`);
      return 'device';
    }
    const deadline = Date.now() + budgetMs;
    const client = mqtt.connect(options.brokerUrl, base(clientId, false));
    // Set before connecting: a persistent session's queued messages arrive right after CONNACK.
    const handler = createDurableHandler({ client, clientId, ingest: options.ingest, log, now: options.now, window: options.window });
    client.handleMessage = handler.handleMessage;
    const dropsBefore = options.liveDrops?.() ?? 0;
    const connack = await connect(client);
    if (connack !== null && options.liveDrops) {
      await delay(options.kickWaitMs ?? 300);
      if (options.liveDrops() !== dropsBefore) {
        // The broker took the old id for the live session's: that session is the one connected here.
        // A clean DISCONNECT keeps it as it is (subscribed, its messages queued), and the live
        // session takes it back when it reconnects.
        await end(client);
        log.warn({ clientId }, `old ingest session ${clientId} not taken over: the broker gave it the live session's client id (a listener with use_username_as_clientid, such as mosquitto's devices' listener), so there is no old session apart from the live one. Workers belong on the workers' listener (devices export --ingest-port), where several sessions of one login keep their own client ids`);
        return 'same-session';
      }
    }
    if (connack === null) {
      await end(client);
      log.warn({ clientId }, `old ingest session ${clientId}: the broker did not take the connect; left as it is, tried again at the next start`);
      return 'unreachable';
    }
    if (connack.sessionPresent) return takeOver(client, handler, clientId, deadline);
    // Our connect made an empty session: nothing to take, and nothing to leave behind.
    await end(client);
    return (await remove(clientId)) ? 'absent' : 'left';
  }

  return {
    async drain() {
      const outcomes = await Promise.all(options.clientIds.map((clientId) => migrate(clientId).catch((error: unknown) => {
        log.warn({ clientId, err: error }, `old ingest session ${clientId}: migration failed; left as it is, tried again at the next start`);
        return 'left' as const;
      })));
      return new Map(options.clientIds.map((clientId, index) => [clientId, outcomes[index]!]));
    },
    async close() {
      await Promise.all([...open].map((client) => client.endAsync(true).catch(() => undefined)));
      open.clear();
    },
  };
}
