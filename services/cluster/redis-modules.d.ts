// aedes-persistence-redis 11 ships no type declarations; this is the part Wanxiang uses.
declare module 'aedes-persistence-redis' {
  import type { Redis, RedisOptions } from 'ioredis';

  /** A packet as aedes stores it (aedes-packet's fields). */
  export interface StoredPacket {
    readonly cmd?: string;
    readonly topic?: string;
    readonly payload?: Buffer | string;
    readonly qos?: number;
    readonly retain?: boolean;
    brokerId?: string;
    brokerCounter?: number | string;
    readonly clientId?: string;
  }
  type Stream = AsyncIterable<StoredPacket>;
  /** Its promise API (aedes-persistence's, as aedes 1.x calls it): the methods that store or give back a packet, sealed by sealed-persistence.ts. */
  export interface AedesPersistenceRedis {
    destroy(callback?: () => void): void;
    storeRetained(packet: StoredPacket): Promise<unknown>;
    createRetainedStream(pattern: string): Stream;
    createRetainedStreamCombi(patterns: string[]): Stream;
    putWill(client: { id: string }, packet: StoredPacket): Promise<unknown>;
    getWill(client: { id: string }): Promise<StoredPacket | null>;
    delWill(client: { id: string; brokerId?: string }): Promise<StoredPacket | null>;
    streamWill(brokers: unknown): Stream;
    outgoingEnqueue(sub: unknown, packet: StoredPacket): Promise<unknown>;
    outgoingEnqueueCombi(subs: unknown[], packet: StoredPacket): Promise<unknown>;
    outgoingUpdate(client: unknown, packet: StoredPacket): Promise<unknown>;
    outgoingStream(client: unknown): Stream;
    outgoingClearMessageId(client: unknown, packet: StoredPacket): Promise<StoredPacket | undefined>;
  }
  function aedesPersistenceRedis(options?: RedisOptions & { conn?: Redis; maxSessionDelivery?: number }): AedesPersistenceRedis;
  export default aedesPersistenceRedis;
}
