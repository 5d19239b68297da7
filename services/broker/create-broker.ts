import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { addressKey, createExemption } from '../address-key.ts';
import { createConnectionSlots } from '../connection-slots.ts';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { isWanxiangError } from '../errors.ts';
import { codeForClientError } from './client-error-code.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { LoginGate } from '../login-gate.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { Topics } from '../topics.ts';
import { createAccessControl } from './access-control.ts';
import { createRateDoor } from './rate-door.ts';
import { createListeners, type ListenerPorts } from './listeners.ts';
import { hasLocalSubscriber } from './local-subscribers.ts';
import { createFrontDoor } from './front-door.ts';
import { createQos2Resends, type IncomingStore } from './qos2-resends.ts';

export interface BrokerDeps {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly ingest: Ingest;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
  /** Where secret checks wait their turn: the platform's one gate, shared with the HJ 212 receiver (services/login-gate.ts); else the broker's own. */
  readonly loginGate?: LoginGate;
  /** Cluster mode: aedes `id`, `mq` and `persistence` shared through Redis (services/cluster/redis-broker-backend.ts). */
  readonly aedesOptions?: { readonly id?: string; readonly mq?: unknown; readonly persistence?: unknown };
}

export interface Broker {
  start(): Promise<ListenerPorts>;
  close(): Promise<void>;
  /** Publishes from the platform itself (commands to devices); routed to subscribers only. */
  publish(topic: string, payload: string | Buffer, options?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  /**
   * Whether a QoS 0 publish to `topic` would reach a subscriber: the platform's relays skip their
   * work when it would not. Always true in cluster mode, where other nodes' subscribers are not known here.
   */
  observed(topic: string): boolean;
  /**
   * Messages the broker's persistence holds for this client id's session, counted up to `atMost`:
   * QoS 1/2 queued while a persistent session is away, or sent and not yet acknowledged.
   */
  heldFor(clientId: string, atMost: number): Promise<number>;
  /** After the registry changed: disconnects devices now disabled, removed or with a rotated secret. */
  enforceRegistry(): number;
}

/**
 * Refused and rejected messages are acknowledged and then not routed: MQTT 3.1.1 lets a
 * server "make a positive acknowledgement ... or close the Network Connection"
 * [MQTT-3.3.5-2]. Closing would make a QoS 1 client resend the same message on every
 * reconnect, so we acknowledge and move it to a topic nobody can subscribe to.
 */
const discardTopic = '$wanxiang/discarded';

/** The embedded aedes broker on TCP, TLS and WebSocket, with ingest in-process (no second socket hop). */
export function createBroker(deps: BrokerDeps): Broker {
  const { config, ingest, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  const addresses = new WeakMap<object, string | undefined>();
  const addressOf = (client: Client) => addresses.get(client.conn as object);
  const access = createAccessControl({ ...deps, limits: config.mqtt, addressOf, fleetKey: config.fleetKey });
  /** Connections whose CONNECT is being checked (a secret under scrypt): never evicted for a newcomer. */
  const loginsUnderWay = new WeakSet<Socket>();
  const slots = createConnectionSlots<Socket>(config.mqtt, (socket) => !loginsUnderWay.has(socket));
  const exempt = createExemption(config.mqtt.connectionLimitExempt);
  /** The TCP connection under each stream aedes reads (a WebSocket's, a TLS socket's, or the socket's own frame limit). */
  const socketOf = new WeakMap<object, Socket>();
  const rate = createRateDoor(config.mqtt, metrics, log, now);
  // Every live session of each device: a device may hold several (a tool beside it, a session
  // not yet timed out), and a disable or rotation closes them all (issue 18, item 3).
  const deviceClients = new Map<string, Set<Client>>();
  let aedes: Aedes | undefined;
  // aedes keeps its live clients by id (aedes.js registerClient); its typings do not declare the map.
  const liveClient = (clientId: string) => (aedes as unknown as { clients?: Record<string, Client> } | undefined)?.clients?.[clientId];
  // The hard limit at the transport: a payload a little over maxPayloadBytes still reaches
  // the door and is refused there with its payload kept; anything far larger (a topic and
  // headers allowance of 64 KiB) closes the connection before it is buffered.
  const listeners = createListeners(config.mqtt, admitConnection, handleConnection, {
    maxBytes: config.mqtt.maxPayloadBytes + 65_536,
    connectMaxBytes: config.mqtt.maxConnectBytes,
    onOversize: (declared, address) => {
      metrics.clientErrors.inc({ code: 'WX_ERR_PAYLOAD_TOO_LARGE' });
      log.warn({ code: 'WX_ERR_PAYLOAD_TOO_LARGE', address, declaredBytes: declared }, 'oversize MQTT packet: connection closed');
    },
  });

  function discard(packet: PublishPacket): void {
    packet.topic = discardTopic;
    packet.retain = false;
  }

  // The connection limits, counted on the TCP connection so that they hold before a TLS handshake,
  // a WebSocket upgrade or CONNECT: one address holds at most connectionsPerAddress; all of them at
  // most maxConnections, where a connection not yet logged in gives its slot to a newcomer (without
  // a cap in all, many addresses each under their own limit grew the broker without bound; without
  // eviction they kept devices out).
  function admitConnection(socket: Socket): boolean {
    // One key per client: an IPv6 /64 is one (address-key.ts); the setting spares exact addresses.
    const slot = slots.admit(socket, addressKey(socket.remoteAddress), exempt(socket.remoteAddress));
    if (!slot.admitted) {
      const limit = slot.reason === 'per_address' ? config.mqtt.connectionsPerAddress : config.mqtt.maxConnections;
      metrics.clientErrors.inc({ code: 'WX_ERR_TOO_MANY_CONNECTIONS' });
      log.warn({ code: 'WX_ERR_TOO_MANY_CONNECTIONS', address: socket.remoteAddress, limit, reason: slot.reason }, 'connection refused');
      socket.destroy();
      return false;
    }
    if (slot.evicted) {
      metrics.clientErrors.inc({ code: 'WX_ERR_TOO_MANY_CONNECTIONS' });
      log.warn({ code: 'WX_ERR_TOO_MANY_CONNECTIONS', address: slot.evicted.remoteAddress, limit: config.mqtt.maxConnections, reason: 'evicted' }, 'connection not logged in closed: its slot went to a new one');
      slot.evicted.destroy();
    }
    socket.once('close', () => slots.release(socket));
    return true;
  }

  const drainTimeoutMs = 30_000;
  function handleConnection(stream: Duplex, address: string | undefined, socket: Socket): void {
    addresses.set(stream, address);
    socketOf.set(stream, socket);
    aedes!.handle(stream);
    front?.attach(stream);
  }

  // Not in cluster mode: there a message's subscribers and sessions live on other nodes too, which
  // only aedes's shared emitter reaches.
  const front = config.mqtt.publishFront && !deps.aedesOptions?.mq
    ? createFrontDoor({ access, rate, ingest, now, aedes: () => aedes, sessionOf, ingestFailed, drainTimeoutMs })
    : undefined;

  function ingestFailed(error: unknown, topic?: string): void {
    log.error({ code: isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL', err: error, ...(topic === undefined ? {} : { topic: topic.slice(0, 500) }) }, 'ingest failed: the message is not acknowledged and the connection is closed');
    metrics.ingestFailures.inc({ code: isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL' });
  }

  // aedes's persistence, memory or the cluster's Redis; its typings omit the inbound store's methods.
  const resends = createQos2Resends(() => (aedes as unknown as { persistence: IncomingStore }).persistence);

  function authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    resends.inOrder(client, packet, (resend) => {
      if (!resend) return decideAndStore(client, packet, callback);
      // Answered PUBREC by aedes from its store [MQTT-4.3.3-2]; kept once, counted once.
      metrics.qos2Resends.inc();
      if (client) front?.reachedIngest(client);
      discard(packet);
      callback(null);
    });
  }

  function decideAndStore(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const decision = access.decidePublish(client, packet);
    if (!decision.allowed) {
      if (client) front?.reachedIngest(client);
      metrics.publishRefused.inc({ code: decision.code });
      const principal = client ? access.principal(client) : undefined;
      if (decision.close && client) {
        // Not acknowledged: the error closes the connection (its catalogue code is not counted again).
        log.warn({ code: decision.code, device: principal?.id, clientId: client.id.slice(0, 100) }, `${decision.message}: connection closed`);
        return callback(new Error(decision.code));
      }
      ingest.rejections.record({ code: decision.code, message: decision.message, readings: 1 }, { device: principal?.id ?? client?.id, topic: packet.topic.slice(0, 500), payload });
      discard(packet);
      return callback(null);
    }
    const principal = client ? access.principal(client) : undefined;
    if (client === null || principal === undefined) return store(client, packet, payload, false, callback);
    // The device's token bucket (item 11): past it, the message waits, and so does its connection.
    const waitMs = rate.waitFor(principal.id, payload);
    // A replay's or backfill's session (its credential, access-control.ts): history, no live alarm.
    const history = principal.role === 'device' && principal.history === true;
    if (waitMs === 0) return store(client, packet, payload, history, callback);
    setTimeout(() => {
      // Gone while it waited: never acknowledged, so the device sends it again; not stored twice.
      if (client.closed) {
        front?.reachedIngest(client);
        discard(packet);
        return callback(null);
      }
      store(client, packet, payload, history, callback);
    }, waitMs);
  }

  function store(client: Client | null, packet: PublishPacket, payload: Buffer, history: boolean, callback: (error?: Error | null) => void): void {
    if (client) front?.reachedIngest(client);
    // Ingest before the PUBACK goes back: aedes acknowledges QoS 1 only after this callback.
    // One shape for every message (history always present): this runs for each of them.
    ingest.accept({ topic: packet.topic, payload, receivedAtMs: now(), session: client ? sessionOf(client) : undefined, history }).then(
      (routed) => {
        if (!routed) discard(packet);
        callback(null);
      },
      (error: unknown) => {
        // Not stored (the spool stopped after a failed fsync, or is closing): no PUBACK. The
        // error closes the connection, and the device sends the message again when it reconnects.
        ingestFailed(error, packet.topic);
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  // Each connection's own name for presence: client ids repeat across takeovers, connections do not.
  const sessions = new WeakMap<Client, string>();
  let sessionCount = 0;
  function sessionOf(client: Client): string {
    let session = sessions.get(client);
    if (session === undefined) sessions.set(client, (session = `${client.id}#${(sessionCount += 1)}`));
    return session;
  }

  // [MQTT-3.1.4-2]: a login with the client id of a live session closes that session. Counted
  // once, under its own code; the closed session's own errors are not counted again.
  const takenOver = new WeakSet<Client>();
  /**
   * A device's sessions are bounded (`sessionsPerDevice`): each may hold `maxInflightQos2` QoS 2
   * messages awaiting PUBREL, and with any number of `<id>-<suffix>` sessions one device's secret
   * held memory without bound (3 sessions × 1,000 × 300 KB: 354 MiB in 12 s, red team 4). A new
   * session with the client id of a live one takes it over, so it is not counted against the bound.
   */
  function sessionsPast(client: Client): (Error & { returnCode: number }) | null {
    const principal = access.principal(client);
    if (principal?.role !== 'device') return null;
    let others = 0;
    for (const live of deviceClients.get(principal.id) ?? []) if (live.id !== client.id && !live.closed) others += 1;
    if (others < config.mqtt.sessionsPerDevice) return null;
    metrics.authFailures.inc({ code: 'WX_ERR_TOO_MANY_SESSIONS' });
    log.warn({ code: 'WX_ERR_TOO_MANY_SESSIONS', device: principal.id, clientId: client.id.slice(0, 100), limit: config.mqtt.sessionsPerDevice }, 'MQTT login refused: the device has its most sessions open');
    // CONNACK 3, server unavailable: the device may try again once one of its sessions ends.
    return Object.assign(new Error('WX_ERR_TOO_MANY_SESSIONS'), { returnCode: 3 });
  }

  const takeoverSaidAt = new Map<string, { at: number; since: number }>();
  function noteTakeover(client: Client): void {
    const previous = liveClient(client.id);
    if (!previous || previous === client) return;
    takenOver.add(previous);
    metrics.clientErrors.inc({ code: 'WX_ERR_SESSION_TAKEOVER' });
    // Counted each time, said once a minute per client id: a device reconnecting in a loop made 503 lines in seconds.
    const at = now();
    const said = takeoverSaidAt.get(client.id);
    if (said !== undefined && at - said.at < 60_000) {
      said.since += 1;
      return;
    }
    if (takeoverSaidAt.size >= 10_000) takeoverSaidAt.clear(); // client ids carry a device's own suffixes: bounded
    takeoverSaidAt.set(client.id, { at, since: 0 });
    log.warn({ code: 'WX_ERR_SESSION_TAKEOVER', clientId: client.id, address: addressOf(client), ...(said?.since ? { takeoversNotSaid: said.since } : {}) }, 'client id taken over: the earlier session is closed');
  }

  /**
   * A device whose last session the platform closed is said offline by the platform: its will is
   * refused (the login no longer holds), and its retained `online` and its last device_status
   * point said online for good (red team 10). A removed device's retained status is cleared.
   */
  const closedByRegistry = new Map<string, { device: DeviceRecord; current: DeviceRecord | undefined }>();
  function saidOffline(device: DeviceRecord, current: DeviceRecord | undefined): void {
    const topic = deps.topics.build(device.family, device.id, 'status');
    const payload = Buffer.from(current ? 'offline' : '');
    aedes?.publish({ cmd: 'publish', topic, payload, qos: 1, retain: true, dup: false }, () => undefined);
    if (current) void ingest.accept({ topic, payload, receivedAtMs: now(), history: false }).catch((error: unknown) => log.warn({ err: error, device: device.id }, 'offline status of a closed device not stored'));
  }

  function watchClients(broker: Aedes): void {
    broker.on('publish', (packet: PublishPacket, client: Client | null) => resends.published(client, packet));
    broker.on('client', (client: Client) => {
      metrics.clientsConnected.inc();
      const principal = access.principal(client);
      // Observers too: a registry change that re-keys or removes one closes its sessions (red team 10).
      if (principal) {
        const live = deviceClients.get(principal.id);
        if (live) live.add(client);
        else deviceClients.set(principal.id, new Set([client]));
      }
      if (principal?.role === 'device') ingest.presence.connected(principal.id, sessionOf(client));
    });
    broker.on('clientDisconnect', (client: Client) => {
      metrics.clientsConnected.dec();
      const principal = access.principal(client);
      const live = principal ? deviceClients.get(principal.id) : undefined;
      if (live?.delete(client) && live.size === 0) deviceClients.delete(principal!.id);
      if (principal?.role === 'device') ingest.presence.disconnected(principal.id, sessionOf(client));
      const closed = principal ? closedByRegistry.get(principal.id) : undefined;
      if (closed && !deviceClients.has(principal!.id)) {
        closedByRegistry.delete(principal!.id);
        saidOffline(closed.device, closed.current);
      }
    });
    broker.on('clientError', (client: Client, error: Error) => {
      const code = codeForClientError(error);
      if (code === null || takenOver.has(client)) return;
      if (code === 'WX_ERR_PROTOCOL' && /ECONNRESET|EPIPE|write after end/.test(error.message)) return;
      metrics.clientErrors.inc({ code });
      const principal = access.principal(client);
      if (code === 'WX_ERR_WILDCARD_PUBLISH') ingest.rejections.record({ code, message: error.message, readings: 1 }, { device: principal?.id ?? client.id });
      log.warn({ code, clientId: client.id }, error.message);
    });
  }

  return {
    async start() {
      aedes = new Aedes({
        authenticate: (client, username, password, callback) => {
          const socket = socketOf.get(client.conn as object);
          if (socket) loginsUnderWay.add(socket);
          access.authenticate(client, username, password, (error, success) => {
            if (socket) loginsUnderWay.delete(socket);
            if (success) {
              const tooMany = sessionsPast(client);
              if (tooMany !== null) return callback(tooMany, false);
              if (socket) slots.loggedIn(socket);
              noteTakeover(client);
            }
            callback(error, success);
          });
        },
        preConnect: access.preConnect,
        authorizePublish,
        authorizeSubscribe: access.authorizeSubscribe,
        drainTimeout: drainTimeoutMs,
        maxTopicLevels: 16,
        keepaliveLimit: config.mqtt.keepaliveLimitS,
        maxInflightInbound: config.mqtt.maxInflightQos2,
        ...deps.aedesOptions,
      });
      await aedes.listen();
      watchClients(aedes);
      const ports = await listeners.start();
      log.info(ports, 'broker listening');
      return ports;
    },
    async close() {
      // aedes first: it ends every client, so the listeners can then close.
      if (aedes) await new Promise<void>((resolve) => aedes!.close(() => resolve()));
      await listeners.close();
    },
    async publish(topic, payload, options = {}) {
      if (!aedes) throw new Error('broker not started');
      await new Promise<void>((resolve, reject) => aedes!.publish({ cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: options.qos ?? 0, retain: options.retain ?? false, dup: false }, (error) => (error ? reject(error) : resolve())));
    },
    observed(topic) {
      if (!aedes) return false;
      if (deps.aedesOptions?.mq) return true;
      return hasLocalSubscriber(aedes, topic);
    },
    async heldFor(clientId, atMost) {
      if (!aedes || atMost <= 0) return 0;
      // aedes-persistence (memory or Redis) streams a session's outgoing messages; its typings omit the method.
      const { persistence } = aedes as unknown as { persistence: { outgoingStream(client: { id: string }): AsyncIterable<unknown> } };
      const outgoing = persistence.outgoingStream({ id: clientId });
      let held = 0;
      for await (const _message of outgoing) if ((held += 1) >= atMost) break;
      return held;
    },
    enforceRegistry() {
      let closed = 0;
      for (const [id, clients] of deviceClients) {
        const current = deps.registry.device(id);
        const observer = deps.registry.observer(id);
        for (const client of clients) {
          const connectedAs = access.principal(client);
          if (current && !current.disabled && connectedAs?.role === 'device' && connectedAs.device.secretHash === current.secretHash) continue;
          if (observer && connectedAs?.role === 'observer' && connectedAs.secretHash === observer.secretHash) continue;
          log.warn({ code: current?.disabled ? 'WX_ERR_DEVICE_DISABLED' : current || observer ? 'WX_ERR_BAD_CREDENTIALS' : 'WX_ERR_UNKNOWN_DEVICE', [connectedAs?.role ?? 'device']: id, clientId: client.id.slice(0, 100) }, `${connectedAs?.role ?? 'device'} session closed after a registry change`);
          // Said offline once its last session has gone (clientDisconnect, which close() may emit at once).
          if (connectedAs?.role === 'device') closedByRegistry.set(id, { device: connectedAs.device, current });
          client.close();
          clients.delete(client);
          closed += 1;
        }
        if (clients.size === 0) deviceClients.delete(id);
      }
      return closed;
    },
  };
}
