import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';

/**
 * The broker's front for a device's own telemetry (issue 26): a QoS 0/1 PUBLISH of MQTT 3.1/3.1.1
 * that the door allows is read off the connection here, before aedes sees it, and stored and
 * acknowledged without aedes building a packet object, running its publish series, matching the
 * topic against its subscriptions and persistence, and writing one PUBACK at a time. aedes was
 * about 40 % of the platform's CPU a message (docs/performance.md).
 *
 * Everything else goes to aedes as bytes, in order: CONNECT, SUBSCRIBE, PINGREQ, PUBACKs of
 * commands, QoS 2, retained messages, MQTT 5 (its properties: topic aliases), anything the door
 * refuses (aedes refuses and counts it as before) and anything that does not parse. The guarantees
 * stay the broker's own:
 * - a device's messages reach ingest in the order sent: once a PUBLISH of a connection went to
 *   aedes, the front takes none of that connection's until aedes has handed it to ingest;
 * - the PUBACK goes after ingest's promise (the spool's fsync), as aedes's does;
 * - a device past its rate waits, and its connection is not read meanwhile;
 * - a connection whose acknowledgements are not read, or whose messages await the spool past
 *   `maxInFlight`, is not read further until they drain (what aedes's one-chunk-at-a-time did);
 * - the keep-alive timer is refreshed by every message taken, as aedes does for its own.
 */
export interface FrontMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
}

export interface PublishFrontDeps {
  /** Whether this client's publishes may be taken here at all (a logged-in device; not in cluster mode). */
  eligible(client: Client): boolean;
  /** The door's decision for this topic: only an allowed one is taken here; aedes answers a refused one. */
  allowed(client: Client, topic: string): boolean;
  /** The device's rate: the ms this message must wait (0: at once). Takes the tokens. */
  waitFor(client: Client, payload: Buffer): number;
  /** Stores the message as the broker's authorizePublish would; resolves once it is durable, with whether it is to be relayed. */
  store(client: Client, message: FrontMessage): Promise<boolean>;
  /** After the PUBACK: a stored message to this broker's subscribers, as aedes would route it. */
  relay(client: Client, message: FrontMessage): void;
  /** The front itself failed on a connection's bytes (a fault of ours): logged and counted; the connection is closed. */
  broken(error: unknown): void;
  /** The store failed: the connection is closed, as aedes closes it for an authorizePublish error. */
  failed(client: Client, error: unknown): void;
  /** Messages, and their payload bytes, a connection may have awaiting the spool before it is not read further. */
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
  /** How long acknowledgements may wait for a client to read them before it is closed. */
  readonly drainTimeoutMs: number;
}

/** What aedes's Client has that its typings do not declare, read here to follow its state. */
interface AedesClientState {
  connected: boolean;
  connackSent: boolean;
  closed: boolean;
  errored: boolean;
  version: number | null;
  _paused?: boolean;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
}

interface Connection {
  readonly stream: Duplex;
  /** Bytes read off the socket and not yet taken or handed on (a packet not yet whole, or what follows a wait), in pieces. */
  unread: Buffer[];
  unreadBytes: number;
  /** The bytes the packet at the start of `unread` needs whole (0: any more bytes are worth a look). */
  needed: number;
  /** Bytes of the packet under way still to hand to aedes as they come. */
  passing: number;
  /** PUBLISH packets handed to aedes that have not yet reached ingest (or its refusal). */
  publishesWithAedes: number;
  inFlight: number;
  inFlightBytes: number;
  waiting: boolean;
  writeBlocked: boolean;
  /** Set for good when the stream cannot be followed (a malformed length): aedes takes every byte. */
  lost: boolean;
  acks: number[];
  ackScheduled: boolean;
}

const PUBLISH = 3;

export function createPublishFront(deps: PublishFrontDeps) {
  const connections = new WeakMap<object, Connection>();

  const clientOf = (stream: Duplex) => (stream as unknown as { client?: Client }).client;
  const stateOf = (client: Client) => client as unknown as AedesClientState;

  function takesPublishes(connection: Connection, client: Client | undefined): client is Client {
    if (client === undefined || connection.lost || connection.publishesWithAedes > 0) return false;
    const state = stateOf(client);
    if (!state.connected || !state.connackSent || state.closed || state.errored || state._paused) return false;
    return (state.version === 4 || state.version === 3) && deps.eligible(client);
  }

  /** Reading stops while a message waits out its rate, acknowledgements back up, or too many await the spool. */
  const stalled = (connection: Connection) => connection.waiting || connection.writeBlocked || connection.inFlight >= deps.maxInFlight || connection.inFlightBytes >= deps.maxInFlightBytes;

  function resume(connection: Connection): void {
    if (stalled(connection)) return;
    // aedes reads on 'readable' (client.js nextBatch); the socket will not say it again for bytes already read.
    connection.stream.emit('readable');
  }

  function flushAcks(connection: Connection): void {
    connection.ackScheduled = false;
    const client = clientOf(connection.stream);
    const ids = connection.acks;
    connection.acks = [];
    if (!client || stateOf(client).closed || connection.stream.destroyed) return;
    const bytes = Buffer.allocUnsafe(ids.length * 4);
    for (let i = 0; i < ids.length; i += 1) {
      const at = i * 4;
      bytes[at] = 0x40; // PUBACK [MQTT-3.4.1]
      bytes[at + 1] = 2;
      bytes[at + 2] = ids[i]! >> 8;
      bytes[at + 3] = ids[i]! & 0xff;
    }
    if (!connection.stream.write(bytes) && !connection.writeBlocked) {
      connection.writeBlocked = true;
      // As aedes's drainTimeout: a client that reads none of its acknowledgements is closed, not kept forever.
      const timer = setTimeout(() => connection.stream.destroy(new Error('drain timeout')), deps.drainTimeoutMs);
      timer.unref();
      connection.stream.once('drain', () => {
        clearTimeout(timer);
        connection.writeBlocked = false;
        resume(connection);
      });
    }
  }

  /** One message fewer awaiting the spool; whether the connection was stalled by them before. */
  function settle(connection: Connection, bytes: number): boolean {
    const wasStalled = stalled(connection);
    connection.inFlight -= 1;
    connection.inFlightBytes -= bytes;
    return wasStalled;
  }

  function acknowledge(connection: Connection, packetId: number): void {
    if (packetId === 0) return;
    connection.acks.push(packetId);
    if (connection.ackScheduled) return;
    connection.ackScheduled = true;
    // After every resolution of this turn: one write for all of a group commit's PUBACKs.
    process.nextTick(flushAcks, connection);
  }

  // No closure is named per message here: tsx compiles with esbuild's keepNames, which wraps each
  // named function expression in a call as it is made (1 % of the broker thread in a profile).
  function take(connection: Connection, client: Client, message: FrontMessage, packetId: number): void {
    connection.inFlight += 1;
    connection.inFlightBytes += message.payload.length;
    deps.store(client, message).then(
      (routed) => {
        const wasStalled = settle(connection, message.payload.length);
        acknowledge(connection, packetId);
        if (routed) deps.relay(client, message);
        if (wasStalled) resume(connection);
      },
      (error: unknown) => {
        settle(connection, message.payload.length);
        deps.failed(client, error);
      },
    );
  }

  /**
   * The PUBLISH at `at` (fixed header `headerBytes` long, `total` bytes) if the front takes it:
   * 'taken', 'wait' (taken, and the connection waits `waitMs` before it is stored) or null.
   */
  function tryTake(connection: Connection, client: Client, data: Buffer, at: number, headerBytes: number, total: number): { waitMs: number } | null {
    const flags = data[at]! & 0x0f;
    const qos = (flags >> 1) & 3;
    if (qos > 1 || flags & 0x01 || (qos === 0 && flags & 0x08)) return null; // QoS 2, retained, or a DUP at QoS 0
    let cursor = at + headerBytes;
    const end = at + total;
    if (cursor + 2 > end) return null;
    const topicBytes = (data[cursor]! << 8) | data[cursor + 1]!;
    cursor += 2;
    if (topicBytes === 0 || cursor + topicBytes + (qos === 1 ? 2 : 0) > end) return null;
    // Printable ASCII without wildcards only; any other topic text is aedes's and the door's to judge (MQTT-1.5.3).
    for (let i = cursor; i < cursor + topicBytes; i += 1) {
      const byte = data[i]!;
      if (byte < 0x21 || byte > 0x7e || byte === 0x23 || byte === 0x2b) return null;
    }
    const topic = data.toString('latin1', cursor, cursor + topicBytes);
    cursor += topicBytes;
    let packetId = 0;
    if (qos === 1) {
      packetId = (data[cursor]! << 8) | data[cursor + 1]!;
      if (packetId === 0) return null; // [MQTT-2.3.1-1]: aedes's parser refuses it
      cursor += 2;
    }
    if (!deps.allowed(client, topic)) return null;
    const payload = data.subarray(cursor, end);
    const waitMs = deps.waitFor(client, payload);
    const message: FrontMessage = { topic, payload, qos: qos === 1 ? 1 : 0 };
    if (waitMs === 0) {
      take(connection, client, message, packetId);
      return { waitMs: 0 };
    }
    connection.waiting = true;
    setTimeout(() => {
      connection.waiting = false;
      // Gone while it waited: never acknowledged, so the device sends it again; not stored twice.
      if (stateOf(client).closed) return;
      take(connection, client, message, packetId);
      resume(connection);
    }, waitMs);
    return { waitMs };
  }

  /**
   * Takes what it may of `data`; returns the bytes for aedes, in their order, or null. Once this read
   * handed a packet on, it hands on the rest as well: aedes parses what it is given at once, and a
   * packet it refuses (a reserved type, a second CONNECT, a bad SUBSCRIBE) closes the connection
   * unacknowledged, so a message taken after it would be stored, sent again and stored twice.
   */
  function sift(connection: Connection, data: Buffer): Buffer | null {
    if (connection.lost) return data;
    const client = clientOf(connection.stream);
    let at = 0;
    let handedFrom = -1; // start of the bytes handed on, or -1; from it on, every byte is aedes's
    let tookOne = false;
    connection.needed = 0;
    while (at < data.length) {
      if (connection.passing > 0) {
        const step = Math.min(connection.passing, data.length - at);
        if (handedFrom < 0) handedFrom = at;
        connection.passing -= step;
        at += step;
        continue;
      }
      if (connection.waiting) break; // the rest is read again once the wait is over
      // The fixed header: a type byte and the remaining length in 1-4 bytes [MQTT-2.2.3].
      let remaining = 0;
      let multiplier = 1;
      let cursor = at + 1;
      let complete = false;
      while (cursor < data.length && cursor - at <= 4) {
        const byte = data[cursor++]!;
        remaining += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (cursor - at > 4) {
          // Not a length: aedes's parser refuses the stream; the front follows it no more.
          connection.lost = true;
          if (handedFrom < 0) handedFrom = at;
          at = data.length;
        }
        break; // else the header continues in the next chunk
      }
      const headerBytes = cursor - at;
      const total = headerBytes + remaining;
      const isPublish = data[at]! >> 4 === PUBLISH;
      if (handedFrom < 0 && isPublish && takesPublishes(connection, client)) {
        if (at + total > data.length) {
          connection.needed = total; // taken or handed on once whole: not joined again until it is
          break;
        }
        // Bounded in flight within a read too (a read may hold a thousand small messages): the rest waits.
        if (connection.inFlight >= deps.maxInFlight || connection.inFlightBytes >= deps.maxInFlightBytes) break;
        if (tryTake(connection, client, data, at, headerBytes, total) !== null) {
          tookOne = true;
          at += total;
          continue;
        }
      }
      if (isPublish) connection.publishesWithAedes += 1;
      if (handedFrom < 0) handedFrom = at;
      const step = Math.min(total, data.length - at);
      connection.passing = total - step;
      at += step;
    }
    if (at < data.length) {
      connection.unread = [data.subarray(at)];
      connection.unreadBytes = data.length - at;
    } else {
      connection.unread = [];
      connection.unreadBytes = 0;
    }
    if (tookOne && client) {
      const state = stateOf(client);
      if (state._keepaliveInterval > 0) state._keepaliveTimer?.refresh();
    }
    return handedFrom >= 0 && at > handedFrom ? data.subarray(handedFrom, at) : null;
  }

  return {
    /** Puts the front before aedes on a stream aedes has been given (aedes reads with `read()` on 'readable'). */
    attach(stream: Duplex): void {
      const connection: Connection = { stream, unread: [], unreadBytes: 0, needed: 0, passing: 0, publishesWithAedes: 0, inFlight: 0, inFlightBytes: 0, waiting: false, writeBlocked: false, lost: false, acks: [], ackScheduled: false };
      connections.set(stream, connection);
      const read = stream.read.bind(stream);
      stream.read = (size?: number) => {
        // Node's own read(0) (filling the buffer) ignores what it is given: it must never get the bytes held
        // here (a rate wait's rest, handed to it, was lost). aedes reads with read(null).
        if (size === 0) return read(0);
        if (stalled(connection)) return null;
        const chunk: unknown = read(size);
        if (chunk !== null && !Buffer.isBuffer(chunk)) return chunk;
        if (chunk !== null) {
          connection.unread.push(chunk as Buffer);
          connection.unreadBytes += (chunk as Buffer).length;
        }
        // A packet arriving in many small reads is joined once, when whole: joined at each read, a large one cost its size squared.
        if (connection.unreadBytes === 0 || connection.unreadBytes < connection.needed) return null;
        const data = connection.unread.length === 1 ? connection.unread[0]! : Buffer.concat(connection.unread, connection.unreadBytes);
        connection.unread = [];
        connection.unreadBytes = 0;
        try {
          return sift(connection, data);
        } catch (error) {
          // Thrown here it would reach aedes's 'readable' handler and end the process: this connection ends instead.
          connection.lost = true;
          deps.broken(error);
          stream.destroy(error instanceof Error ? error : new Error(String(error)));
          return null;
        }
      };
    },
    /** A PUBLISH handed to aedes has reached ingest, or its refusal: the front may take that connection's again. */
    reachedIngest(client: Client): void {
      const connection = connections.get(client.conn as object);
      if (connection && connection.publishesWithAedes > 0) connection.publishesWithAedes -= 1;
    },
  };
}

export type PublishFront = ReturnType<typeof createPublishFront>;
