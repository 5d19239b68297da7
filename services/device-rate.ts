/**
 * A token bucket per device (issue 18, item 11): messages and readings a second, with a burst
 * of `burstSeconds` of each. A message past the bucket is not dropped: it waits (the broker
 * holds its authorisation, so aedes neither acknowledges it nor reads that connection further),
 * which is backpressure on that device alone. The device's sessions share its bucket.
 *
 * Per message: one map lookup and a few arithmetic operations on a bucket object kept per
 * device; nothing is allocated unless the message has to wait.
 */
export interface DeviceRateLimits {
  readonly messagesPerSecond: number;
  readonly readingsPerSecond: number;
  readonly burstSeconds: number;
}

export interface DeviceBucket {
  messages: number;
  readings: number;
  at: number;
}

export function createDeviceRate(limits: DeviceRateLimits, now: () => number = Date.now) {
  const buckets = new Map<string, DeviceBucket>();
  const messageCap = limits.messagesPerSecond * limits.burstSeconds;
  const readingCap = limits.readingsPerSecond * limits.burstSeconds;
  const messagesPerMs = limits.messagesPerSecond / 1_000;
  const readingsPerMs = limits.readingsPerSecond / 1_000;
  return {
    /** The bucket of an authenticated device (so the map is bounded by the registry). */
    bucketOf(deviceId: string): DeviceBucket {
      let bucket = buckets.get(deviceId);
      if (bucket === undefined) buckets.set(deviceId, (bucket = { messages: messageCap, readings: readingCap, at: now() }));
      return bucket;
    },
    /** Takes one message of `readings` readings; the ms it must wait first (0: at once). Tokens may go into debt, which the wait pays. */
    take(bucket: DeviceBucket, readings: number): number {
      const at = now();
      const elapsed = at - bucket.at;
      bucket.at = at;
      bucket.messages = Math.min(messageCap, bucket.messages + elapsed * messagesPerMs) - 1;
      bucket.readings = Math.min(readingCap, bucket.readings + elapsed * readingsPerMs) - readings;
      if (bucket.messages >= 0 && bucket.readings >= 0) return 0;
      return Math.ceil(Math.max(-bucket.messages / messagesPerMs, -bucket.readings / readingsPerMs));
    },
  };
}

/**
 * The readings a telemetry payload holds, cheaply and never fewer than it has: a batch is a
 * JSON array of reading objects, each opening with `{`. Anything else counts as one reading.
 */
export function countReadings(payload: Buffer): number {
  let at = 0;
  while (at < payload.length && (payload[at] === 0x20 || payload[at] === 0x0a || payload[at] === 0x0d || payload[at] === 0x09)) at += 1;
  if (payload[at] !== 0x5b) return 1;
  let readings = 0;
  for (let next = payload.indexOf(0x7b, at); next !== -1; next = payload.indexOf(0x7b, next + 1)) readings += 1;
  return Math.max(readings, 1);
}
