import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createDeviceRate } from '../device-rate.ts';
import type { Metrics } from '../metrics/metrics.ts';

/**
 * Each station's token bucket (red team 5: one station landed 7,971 packets a second, MQTT
 * devices had a bucket and stations none): the MQTT devices' bucket (services/device-rate.ts)
 * over packets and CP items, shared by the station's connections. The wait it answers is served
 * by the receiver: the packet waits its turn behind the station's earlier ones, and only the
 * station's own packets wait; its connection, which may carry other stations of the same data
 * terminal, is paused (TCP backpressure) only once that station holds more than
 * hj212.stationFramesHeld packets on it (station-holds.ts).
 */
export function createStationRate(deps: {
  readonly config: Pick<Config['hj212'], 'stationPacketsPerSecond' | 'stationItemsPerSecond' | 'stationBurstSeconds'>;
  readonly metrics: Pick<Metrics, 'rateLimited'>;
  readonly log: Logger;
  readonly now: () => number;
}) {
  const { config, log, now } = deps;
  const rate = createDeviceRate({ messagesPerSecond: config.stationPacketsPerSecond, readingsPerSecond: config.stationItemsPerSecond, burstSeconds: config.stationBurstSeconds }, now);
  const warnedAt = new Map<string, number>();
  return {
    /** Takes one packet of `items` CP items from the station's bucket: the ms it must wait first (0: at once). */
    waitOf(device: string, items: number): number {
      const waitMs = rate.take(rate.bucketOf(device), items);
      if (waitMs === 0) return 0;
      deps.metrics.rateLimited.inc({ outcome: 'delayed' });
      const at = now();
      if (at - (warnedAt.get(device) ?? Number.NEGATIVE_INFINITY) >= 60_000) {
        warnedAt.set(device, at);
        log.warn({ code: 'WX_ERR_RATE_LIMITED', device, waitMs, packetsPerSecond: config.stationPacketsPerSecond, itemsPerSecond: config.stationItemsPerSecond }, 'HJ 212 station past its rate: its packets wait, the other stations of its connections do not (said once a minute)');
      }
      return waitMs;
    },
  };
}
