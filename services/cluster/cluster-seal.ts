import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';

/**
 * What one node of a cluster tells the others through Redis, sealed with a key only the
 * installation holds (derived from its fleet key, which every node shares). Redis is reached by
 * every service on its network and often has no password: unsealed, whoever could write to it
 * replaced the registry (a device's secret hash, saved to each node's disk) or fed readings to the
 * leader's alarm engine (red team 9). A sealed text is `<mac>\n<text>`, the MAC an HMAC-SHA256
 * of the channel and the text, so a message of one channel cannot be replayed on another.
 */
export interface ClusterSeal {
  seal(channel: string, text: string): string;
  /** The text of a sealed message, or null when its seal is missing or wrong. */
  open(channel: string, sealed: string): string | null;
  /** Bytes sealed the same way: the 32-byte MAC, then the bytes (an MQTT payload the broker keeps in Redis). */
  sealBytes(channel: string, bytes: Buffer): Buffer;
  /** The bytes of sealed bytes, or null when their seal is missing or wrong. */
  openBytes(channel: string, sealed: Buffer): Buffer | null;
}

const macLength = 43; // base64url of 32 bytes

export function createClusterSeal(fleetKey: string): ClusterSeal {
  const key = createHmac('sha256', fleetKey).update('wanxiang cluster seal').digest();
  const macOf = (channel: string, text: string | Buffer) => createHmac('sha256', key).update(channel).update('\n').update(text).digest();
  return {
    seal: (channel, text) => `${macOf(channel, text).toString('base64url')}\n${text}`,
    open(channel, sealed) {
      if (sealed.length <= macLength || sealed.charCodeAt(macLength) !== 0x0a) return null;
      const presented = Buffer.from(sealed.slice(0, macLength), 'base64url');
      const text = sealed.slice(macLength + 1);
      return presented.length === 32 && timingSafeEqual(presented, macOf(channel, text)) ? text : null;
    },
    sealBytes: (channel, bytes) => Buffer.concat([macOf(channel, bytes), bytes]),
    openBytes(channel, sealed) {
      if (sealed.length < 32) return null;
      const bytes = sealed.subarray(32);
      return timingSafeEqual(sealed.subarray(0, 32), macOf(channel, bytes)) ? bytes : null;
    },
  };
}

/**
 * The log line of a refused message: counted each time, said at most once a minute, so that a
 * flood written into Redis fills neither the log nor the disk.
 */
export function unsealedWarning(log: Logger, kind: string): (sealed: string, count?: () => void) => void {
  let lastSaidAtMs = -Infinity;
  let since = 0;
  return (sealed, count) => {
    count?.();
    since += 1;
    const now = Date.now();
    if (now - lastSaidAtMs < 60_000) return;
    log.warn({ code: 'WX_ERR_CLUSTER_UNSEALED', kind, refused: since, value: sealed.slice(0, 80) }, `cluster ${kind} message without this installation's seal; skipped`);
    lastSaidAtMs = now;
    since = 0;
  };
}
