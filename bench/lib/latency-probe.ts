import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import type { InfluxClient } from '../../services/storage/influx-client.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { createPacketReader, encodeConnect, encodePublish } from './mqtt-wire.ts';

export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  readonly device: DeviceRecord;
  readonly password: string;
  readonly topic: string;
  readonly influx: InfluxClient;
  readonly measurement: string;
  readonly seconds: number;
  readonly seed: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

/**
 * Publish → queryable, sampled: a probe device publishes a reading stamped with the
 * current time, then polls InfluxDB every 5 ms until a query returns that point; the
 * latency is the moment it is seen minus the device's timestamp.
 */
export async function measureLatency(options: ProbeOptions): Promise<{ p50: number; p99: number; samples: number }> {
  const socket = connect({ host: options.host, port: options.port, noDelay: true });
  let onConnack: (code: number) => void = () => undefined;
  let onPuback: () => void = () => undefined;
  socket.on('data', createPacketReader({ onConnack: (code) => onConnack(code), onPuback: () => onPuback() }));
  await new Promise<void>((resolve, reject) => {
    onConnack = (code) => (code === 0 ? resolve() : reject(new Error(`probe CONNACK ${code}`)));
    socket.write(encodeConnect(`${options.device.id}-latency-probe`, options.device.id, options.password));
  });
  const latencies: number[] = [];
  const until = performance.now() + options.seconds * 1_000;
  let packetId = 1;
  while (performance.now() < until) {
    const ts = Date.now();
    const acked = new Promise<void>((resolve) => (onPuback = resolve));
    socket.write(encodePublish(options.topic, Buffer.from(JSON.stringify({ ts, ...generateReading(options.seed, options.device, ts) })), packetId++));
    await acked;
    for (;;) {
      const series = await options.influx.query(`SELECT COUNT("recv_lag_ms") FROM "${options.measurement}" WHERE "device" = '${options.device.id}' AND time = ${ts}ms`);
      if (Number(series[0]?.values[0]?.[1] ?? 0) > 0) break;
      await delay(5);
    }
    latencies.push(Date.now() - ts);
    await delay(50);
  }
  socket.end();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), samples: latencies.length };
}
