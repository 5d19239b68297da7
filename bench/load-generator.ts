/**
 * The bench's load generator, a process of its own so that the platform's CPU is the
 * platform's: every PUBLISH is encoded before the start signal, sockets are raw TCP, and
 * each connection keeps `inFlight` QoS 1 messages outstanding, sending the next one as
 * each PUBACK comes back (optionally held to a total message rate). Driven over IPC by
 * bench/ingest-throughput.ts; reports its own CPU time.
 */
import { connect, type Socket } from 'node:net';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { generateReading } from '../simulators/generate-reading.ts';
import { createPacketReader, encodeConnect, encodePublish } from './lib/mqtt-wire.ts';

export interface LoadDevice {
  readonly record: DeviceRecord;
  readonly topic: string;
  readonly password: string;
}

export interface LoadJob {
  readonly host: string;
  readonly port: number;
  readonly devices: readonly LoadDevice[];
  readonly messagesPerDevice: number;
  readonly readingsPerMessage: number;
  readonly inFlight: number;
  /** The first reading's device timestamp and the step between a device's readings. */
  readonly firstTsMs: number;
  readonly stepMs: number;
  /** Total messages per second over all connections; unlimited when absent. */
  readonly ratePerSec?: number;
  readonly seed: number;
  /** Connections opened at a time (default 50). */
  readonly connectConcurrency?: number;
}

export type LoadMessage =
  | { type: 'ready'; prepareMs: number; connectMs: number; bytes: number }
  | { type: 'done'; acked: number; elapsedMs: number; cpuUserUs: number; cpuSystemUs: number; maxAckMs: number }
  | { type: 'error'; message: string };

interface Connection {
  readonly socket: Socket;
  readonly packets: Buffer[];
  next: number;
  acked: number;
  outstanding: number;
  readonly sentAt: Float64Array;
}

const send = (message: LoadMessage) => process.send!(message);

function preparePackets(job: LoadJob, device: LoadDevice): Buffer[] {
  const packets: Buffer[] = [];
  for (let m = 0; m < job.messagesPerDevice; m += 1) {
    const readings = [];
    for (let r = 0; r < job.readingsPerMessage; r += 1) {
      const ts = job.firstTsMs + (m * job.readingsPerMessage + r) * job.stepMs;
      readings.push({ ts, ...generateReading(job.seed, device.record, ts) });
    }
    const body = job.readingsPerMessage === 1 ? readings[0] : readings;
    packets.push(encodePublish(device.topic, Buffer.from(JSON.stringify(body)), (m % 65_535) + 1));
  }
  return packets;
}

async function open(job: LoadJob, device: LoadDevice, packets: Buffer[], onAck: (connection: Connection) => void): Promise<Connection> {
  const socket = connect({ host: job.host, port: job.port, noDelay: true });
  const connection: Connection = { socket, packets, next: 0, acked: 0, outstanding: 0, sentAt: new Float64Array(packets.length) };
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', createPacketReader({
      onConnack: (code) => (code === 0 ? resolve() : reject(new Error(`CONNACK ${code} for ${device.record.id}`))),
      onPuback: () => {
        connection.acked += 1;
        connection.outstanding -= 1;
        onAck(connection);
      },
    }));
    socket.write(encodeConnect(`${device.record.id}-bench`, device.record.id, device.password));
  });
  socket.on('error', (error) => send({ type: 'error', message: `${device.record.id}: ${error.message}` }));
  return connection;
}

async function run(job: LoadJob): Promise<void> {
  let started = performance.now();
  const prepared = job.devices.map((device) => preparePackets(job, device));
  const bytes = prepared.reduce((sum, packets) => sum + packets.reduce((s, p) => s + p.length, 0), 0);
  const prepareMs = performance.now() - started;

  const total = job.devices.length * job.messagesPerDevice;
  let acked = 0;
  let maxAckMs = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let budget = Infinity;

  function pump(connection: Connection): void {
    connection.socket.cork();
    while (connection.outstanding < job.inFlight && connection.next < connection.packets.length && budget >= 1) {
      connection.sentAt[connection.next] = performance.now();
      connection.socket.write(connection.packets[connection.next]!);
      connection.next += 1;
      connection.outstanding += 1;
      budget -= 1;
    }
    connection.socket.uncork();
  }
  const onAck = (connection: Connection) => {
    acked += 1;
    const ackMs = performance.now() - connection.sentAt[connection.acked - 1]!;
    if (ackMs > maxAckMs) maxAckMs = ackMs;
    if (acked === total) finish();
    else pump(connection);
  };

  started = performance.now();
  const connections: Connection[] = [];
  const concurrency = job.connectConcurrency ?? 50;
  for (let i = 0; i < job.devices.length; i += concurrency) {
    connections.push(...(await Promise.all(job.devices.slice(i, i + concurrency).map((device, k) => open(job, device, prepared[i + k]!, onAck)))));
  }
  const connectMs = performance.now() - started;
  send({ type: 'ready', prepareMs, connectMs, bytes });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  const cpuBefore = process.cpuUsage();
  started = performance.now();
  let ticker: NodeJS.Timeout | undefined;
  if (job.ratePerSec) {
    // A token bucket refilled every 5 ms, spread over the connections in turn.
    budget = 0;
    let last = performance.now();
    let turn = 0;
    ticker = setInterval(() => {
      const at = performance.now();
      budget = Math.min(budget + ((at - last) / 1_000) * job.ratePerSec!, job.ratePerSec! / 10);
      last = at;
      for (let k = 0; k < connections.length && budget >= 1; k += 1) pump(connections[(turn + k) % connections.length]!);
      turn = (turn + 1) % connections.length;
    }, 5);
  } else {
    for (const connection of connections) pump(connection);
  }
  await finished;
  clearInterval(ticker);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  for (const connection of connections) connection.socket.end();
  send({ type: 'done', acked, elapsedMs, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, maxAckMs });
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    () => process.disconnect(),
    (error: unknown) => {
      send({ type: 'error', message: String(error) });
      process.disconnect();
    },
  );
});

// The bench gone (crashed, interrupted): nothing of it may stay running.
process.once('disconnect', () => setTimeout(() => process.exit(0), 2_000).unref());
