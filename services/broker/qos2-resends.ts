import type { Client, PublishPacket } from 'aedes';

/** The part of aedes's persistence that keeps a session's inbound QoS 2 messages until their PUBREL. */
export interface IncomingStore {
  incomingGetPacket(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
}

/**
 * Tells a QoS 2 PUBLISH the session has taken already from a new one [MQTT-4.3.3-2]. aedes drops a
 * resend (same packet id before its PUBREL) only after authorizePublish, where the broker spools
 * the message: each resend was stored, counted and relayed again (red team: a device's DUP copy
 * counted twice received and written). Two sources answer: aedes's inbound store (kept across a
 * persistent session's reconnects), and, for the moment until aedes has stored a message taken on
 * this connection (a resend in the same read as the first copy), the ids marked here.
 */
export function createQos2Resends(store: () => IncomingStore) {
  /** Per connection, the QoS 2 ids taken and not yet in aedes's store, each with what settles when it is. */
  const taking = new WeakMap<Client, Map<number, { settled: Promise<void>; settle: () => void }>>();
  /** aedes published the message: its inbound store holds it from now until the PUBREL. */
  function published(client: Client | null, packet: PublishPacket): void {
    if (client === null || packet.qos !== 2 || packet.messageId === undefined) return;
    const ids = taking.get(client);
    ids?.get(packet.messageId)?.settle();
    ids?.delete(packet.messageId);
  }
  /** Per connection, the last check still to answer: later messages wait for it, so a device's messages keep their order. */
  const chains = new WeakMap<Client, Promise<void>>();
  const resends = {
    published,
    /**
     * Calls `then` with whether `packet` is a resend, in the order the connection's packets came:
     * at once unless a QoS 2 check of this connection is still out.
     */
    inOrder(client: Client | null, packet: PublishPacket, then: (resend: boolean) => void): void {
      const ahead = client === null ? undefined : chains.get(client);
      if (client === null || (packet.qos !== 2 && ahead === undefined)) return then(false);
      const tail = (ahead ?? Promise.resolve()).then(() => resends.isResend(client, packet)).then(then);
      chains.set(client, tail);
      void tail.finally(() => {
        if (chains.get(client) === tail) chains.delete(client);
      });
    },
    /**
     * True when this PUBLISH repeats a QoS 2 message of the session not yet released. A resend of a
     * message still being taken (waiting for its rate or the spool) answers only once the first copy
     * is stored: its PUBREC must not go back before the message is kept.
     */
    async isResend(client: Client, packet: PublishPacket): Promise<boolean> {
      const id = packet.messageId;
      if (packet.qos !== 2 || id === undefined) return false;
      let ids = taking.get(client);
      const first = ids?.get(id);
      if (first !== undefined) return first.settled.then(() => true);
      if (ids === undefined) taking.set(client, (ids = new Map()));
      let settle: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => (settle = resolve));
      ids.set(id, { settled, settle });
      const stored = await store().incomingGetPacket(client, { messageId: id }).then(() => true, () => false);
      if (stored) published(client, packet);
      return stored;
    },
  };
  return resends;
}
