import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClusterSeal } from './cluster-seal.ts';

/** Why a message of the broker's routing was refused. */
export type RouteRefusal = 'unsealed' | 'stale' | 'replayed';

export interface SealedRoutingOptions {
  readonly seal: ClusterSeal;
  /** Counts and logs a refused message (its Redis channel is its MQTT topic). */
  readonly refused: (reason: RouteRefusal, channel: string) => void;
  /** How far a message's sealing time may lie from this node's clock, either way (default routingWindowMs). */
  readonly windowMs?: number;
  readonly now?: () => number;
}

/**
 * A sealed message is refused once it is older than this (or as far in the future): a captured
 * heartbeat replayed keeps a dead node alive for at most this long. Nodes keep their clocks by
 * NTP, milliseconds apart; a minute leaves room for a node stalled under load, and is the time
 * mqemitter-redis itself remembers a message's id for.
 */
export const routingWindowMs = 60_000;

// After the seal's MAC (cluster-seal.ts): the sealing time (ms, float64 BE), then a nonce
// (8 random bytes of the sending process, then its counter as a float64 BE).
const headerLength = 24;
const channelOf = (channel: string) => JSON.stringify(['aedes routing', channel]);

/**
 * The connections mqemitter-redis routes aedes's publishes through, sealed: every node PUBLISHes
 * each packet on its topic and every node (itself included) delivers what comes back. Unsealed,
 * whoever could PUBLISH to Redis delivered a packet to every node's subscribers (observers, a
 * device's cmd topic), faked a node's `$SYS/<id>/heartbeat` so that its wills were never
 * published, planted subscriptions (`$SYS/sub/add`), or sent bytes that are no msgpack, which
 * mqemitter-redis decodes in a Redis event handler and so threw out of the process: one PUBLISH
 * stopped every node. So the seal is on the connections, below the decoding: the whole envelope
 * (topic, payload, QoS, retain, the sending node's brokerId and counter, the client's id) is what
 * the MAC covers, with the Redis channel, a sealing time and a nonce; a message is let through
 * only sealed, within the window and not seen before on the same subscription.
 */
export function sealRouting(pub: Redis, sub: Redis, options: SealedRoutingOptions): void {
  sealPublisher(pub, options);
  sealSubscriber(sub, options);
}

function sealPublisher(pub: Redis, { seal, now = Date.now }: SealedRoutingOptions): void {
  const instance = randomBytes(8);
  let counter = 0;
  const publish = pub.publish.bind(pub) as (channel: string | Buffer, message: Buffer) => Promise<number>;
  pub.publish = ((channel: string | Buffer, message: string | Buffer) => {
    const header = Buffer.allocUnsafe(headerLength);
    header.writeDoubleBE(now(), 0);
    instance.copy(header, 8);
    header.writeDoubleBE((counter += 1), 16);
    return publish(channel, seal.sealBytes(channelOf(channel.toString()), Buffer.concat([header, Buffer.from(message)])));
  }) as typeof pub.publish;
}

function sealSubscriber(sub: Redis, { seal, refused, windowMs = routingWindowMs, now = Date.now }: SealedRoutingOptions): void {
  const seen = createSeenNonces();
  const refuse = (reason: RouteRefusal, channel: string): null => {
    refused(reason, channel);
    return null;
  };
  /** The envelope of a sealed message, or null (counted) when it may not pass. */
  const open = (subscription: string, channelBytes: Buffer, message: unknown): Buffer | null => {
    const channel = channelBytes.toString();
    const opened = Buffer.isBuffer(message) ? seal.openBytes(channelOf(channel), message) : null;
    if (opened === null || opened.length < headerLength) return refuse('unsealed', channel);
    const at = opened.readDoubleBE(0);
    const time = now();
    if (!(Math.abs(time - at) <= windowMs)) return refuse('stale', channel);
    // A message reaches a node once per subscription it matches (a channel and a pattern, say):
    // only a second arrival through the same one is a replay.
    if (!seen.add(`${subscription}\n${opened.toString('base64', 8, headerLength)}`, at + windowMs, time)) return refuse('replayed', channel);
    return opened.subarray(headerLength);
  };
  const emit = sub.emit.bind(sub) as (event: string | symbol, ...args: unknown[]) => boolean;
  // ioredis hands a subscriber's messages out as events (DataHandler): mqemitter-redis listens to the Buffer forms.
  sub.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'messageBuffer') {
      const [channel, message] = args as [Buffer, unknown];
      const envelope = open('', channel, message);
      return envelope !== null && emit(event, channel, envelope);
    }
    if (event === 'pmessageBuffer') {
      const [pattern, channel, message] = args as [string, Buffer, unknown];
      const envelope = open(`pattern ${pattern}`, channel, message);
      return envelope !== null && emit(event, pattern, channel, envelope);
    }
    return emit(event, ...args);
  }) as typeof sub.emit;
}

/** Nonces seen, each kept until its message would be refused as stale anyway. */
function createSeenNonces() {
  const expiries = new Map<string, number>();
  return {
    /** False when the nonce was seen before. */
    add(nonce: string, expiresAt: number, now: number): boolean {
      // In arrival order, which is sealing order to within the nodes' clock difference.
      for (const [key, expiry] of expiries) {
        if (expiry >= now) break;
        expiries.delete(key);
      }
      if (expiries.has(nonce)) return false;
      expiries.set(nonce, expiresAt);
      return true;
    },
  };
}
