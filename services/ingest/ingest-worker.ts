/**
 * An ingest worker thread (issue 26, item 1): parses, validates, maps and encodes the telemetry
 * messages the broker's thread hands it, a batch at a time, and sends back each message's
 * outcome (telemetry-record.ts). It keeps no state that matters: the spool, the counting and
 * the PUBACK stay on the broker's thread, so a worker that dies loses nothing acknowledged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { ParseLimits } from './parse-telemetry.ts';
import { createHeaderCache, telemetryRecord } from './telemetry-record.ts';
import { createReadingEncoder } from './to-point.ts';
import type { WorkerBatch, WorkerReply } from './worker-protocol.ts';

const limits = { ...(workerData as { limits: ParseLimits }).limits };
const devices = new Map<string, DeviceRecord>();
const encoder = createReadingEncoder();
const headerOf = createHeaderCache();
const port = parentPort!;

port.on('message', (batch: WorkerBatch | { readonly stallMs: number }) => {
  // A worker stuck (tests of the pool's watchdog: IngestWorkerPool.stall).
  if ('stallMs' in batch) return void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, batch.stallMs);
  for (const device of batch.devices) devices.set(device.id, device);
  limits.maxAgeMs = batch.maxAgeMs;
  const bytes = Buffer.from(batch.bytes);
  const outcomes: WorkerReply['outcomes'] = [];
  let start = 0;
  for (let i = 0; i < batch.ids.length; i += 1) {
    const end = batch.ends[i]!;
    const device = devices.get(batch.ids[i]!)!;
    try {
      outcomes.push(telemetryRecord(device, bytes.subarray(start, end), batch.times[i]!, limits, encoder, headerOf));
    } catch (error) {
      outcomes.push({ thrown: error instanceof Error ? error.message : String(error) });
    }
    start = end;
  }
  port.postMessage({ id: batch.id, outcomes } satisfies WorkerReply);
});
port.postMessage('ready');
