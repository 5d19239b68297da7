import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { countReadings, createDeviceRate } from '../device-rate.ts';
import type { Metrics } from '../metrics/metrics.ts';

/**
 * The devices' token buckets at the broker (issue 18, item 11), for aedes's path and the publish
 * front alike: how long a device's message must wait, counted, and said once a minute a device.
 */
export function createRateDoor(limits: Config['mqtt'], metrics: Metrics, log: Logger, now: () => number) {
  const rate = createDeviceRate({ messagesPerSecond: limits.deviceMessagesPerSecond, readingsPerSecond: limits.deviceReadingsPerSecond, burstSeconds: limits.deviceBurstSeconds }, now);
  const warnedAt = new Map<string, number>();
  return {
    /** The ms this device's message must wait before it is stored (0: at once); takes its tokens. */
    waitFor(deviceId: string, payload: Buffer): number {
      const waitMs = rate.take(rate.bucketOf(deviceId), countReadings(payload));
      if (waitMs === 0) return 0;
      metrics.rateLimited.inc({ outcome: 'delayed' });
      const at = now();
      if (at - (warnedAt.get(deviceId) ?? Number.NEGATIVE_INFINITY) >= 60_000) {
        warnedAt.set(deviceId, at);
        log.warn({ code: 'WX_ERR_RATE_LIMITED', device: deviceId, waitMs, messagesPerSecond: limits.deviceMessagesPerSecond, readingsPerSecond: limits.deviceReadingsPerSecond }, 'device past its rate: its messages wait (said once a minute)');
      }
      return waitMs;
    },
  };
}
