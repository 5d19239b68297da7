import { Readable } from 'node:stream';
import type { AedesPersistenceRedis, StoredPacket } from 'aedes-persistence-redis';
import type { ClusterSeal } from './cluster-seal.ts';

type Stream = AsyncIterable<StoredPacket>;

/** The methods of aedes-persistence (promise form, as aedes 1.x calls them) that store or give back a packet: the module's own declaration (redis-modules.d.ts). */
type PacketMethods = Omit<AedesPersistenceRedis, 'destroy'>;

const bytesOf = (payload: Buffer | string | undefined) => (typeof payload === 'string' ? Buffer.from(payload) : payload ?? Buffer.alloc(0));

/**
 * What a stored packet's seal binds besides its payload, per kind: a packet is refused if moved to
 * another topic, made a will of another client or broker (aedes publishes a will as the client it
 * names when that client is connected, and only once its broker is dead), or given another QoS.
 * JSON of an array: no newline, so channel and payload cannot run into each other (cluster-seal.ts).
 */
const channels = {
  retained: (packet: StoredPacket) => JSON.stringify(['aedes retained', packet.topic, packet.qos ?? 0]),
  will: (packet: StoredPacket) => JSON.stringify(['aedes will', packet.topic, packet.qos ?? 0, packet.retain === true, packet.clientId ?? null, packet.brokerId ?? null]),
  queued: (packet: StoredPacket) => JSON.stringify(['aedes queued', packet.topic, packet.qos ?? 0, packet.retain === true, packet.brokerId ?? null, String(packet.brokerCounter || 0)]),
};
type Kind = keyof typeof channels;

/**
 * aedes-persistence-redis keeps retained messages, Last Wills and offline sessions' queues in Redis
 * as msgpack, unsealed (red team 9 sealed the platform's own cluster messages, not these). Whoever
 * could write to Redis planted a will that a live node then published as the device it names, so
 * stored as that device's reading when the device was connected there (create-broker.ts ingests
 * on authorizePublish), or as any device's status otherwise; a retained message every future
 * subscriber gets (a device's cmd or errors topic on each connect); or a message queued for a
 * persistent session. This wrapper seals each packet's payload (the 32-byte MAC first) as it is
 * stored and opens it as it is read back: a packet without this installation's seal is skipped,
 * and `refused` counts it.
 *
 * Not sealed: subscriptions (aedes 1.x authorises restored ones again, authorizeSubscribe), QoS 2
 * packets kept to recognise a duplicate (aedes publishes at PUBLISH, not from the store).
 * mqemitter-redis's routing between nodes is not the persistence: sealed-routing.ts seals it.
 */
export function sealPersistence<P extends PacketMethods>(persistence: P, seal: ClusterSeal, refused: (packet: StoredPacket) => void): P {
  const sealed = <T extends StoredPacket>(kind: Kind, packet: T): T => ({ ...packet, payload: seal.sealBytes(channels[kind](packet), bytesOf(packet.payload)) });
  const opened = (kind: Kind, packet: StoredPacket | null | undefined): StoredPacket | null => {
    if (!packet) return null;
    // A QoS 2 release (PUBREL) queued for a session carries no payload and nothing to publish.
    if (kind === 'queued' && packet.cmd !== undefined && packet.cmd !== 'publish') return packet;
    const payload = seal.openBytes(channels[kind](packet), bytesOf(packet.payload));
    if (payload === null) {
      refused(packet);
      return null;
    }
    return { ...packet, payload };
  };
  async function* openAll(kind: Kind, stream: Stream): AsyncGenerator<StoredPacket> {
    for await (const packet of stream) {
      const open = opened(kind, packet);
      if (open) yield open;
    }
  }
  const readable = (kind: Kind, stream: Stream) => Readable.from(openAll(kind, stream));
  const overrides: PacketMethods = {
    // An empty payload deletes the topic's retained message [MQTT-3.3.1-10]: nothing is stored to seal.
    storeRetained: (packet) => persistence.storeRetained(bytesOf(packet.payload).length === 0 ? packet : sealed('retained', packet)),
    createRetainedStream: (pattern) => readable('retained', persistence.createRetainedStream(pattern)),
    createRetainedStreamCombi: (patterns) => readable('retained', persistence.createRetainedStreamCombi(patterns)),
    // The persistence names the will's client and broker as it stores it; sealed with those names.
    // A copy: aedes publishes the client's own will object, with its plain payload, when it drops.
    putWill: (client, packet) => persistence.putWill(client, sealed('will', { ...packet, clientId: client.id, brokerId: brokerIdOf(persistence) })),
    getWill: async (client) => opened('will', await persistence.getWill(client)),
    delWill: async (client) => opened('will', await persistence.delWill(client)),
    streamWill: (brokers) => readable('will', persistence.streamWill(brokers)),
    outgoingEnqueue: (sub, packet) => persistence.outgoingEnqueue(sub, sealed('queued', packet)),
    outgoingEnqueueCombi: (subs, packet) => persistence.outgoingEnqueueCombi(subs, sealed('queued', packet)),
    async outgoingUpdate(client, packet) {
      if (packet.cmd !== undefined && packet.cmd !== 'publish') return persistence.outgoingUpdate(client, packet);
      return persistence.outgoingUpdate(client, sealed('queued', packet));
    },
    outgoingStream: (client) => readable('queued', persistence.outgoingStream(client)),
    outgoingClearMessageId: async (client, packet) => opened('queued', await persistence.outgoingClearMessageId(client, packet)) ?? undefined,
  };
  return new Proxy(persistence, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof PacketMethods];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The broker id the persistence stores a will under (aedes-persistence's `broker`, set by setup). */
function brokerIdOf(persistence: object): string | undefined {
  return (persistence as { broker?: { id?: string } }).broker?.id;
}
