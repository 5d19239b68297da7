/**
 * The per-message handler alone (topic → parse → validate → encode → record; no broker, no
 * spool, no network, but the record's UTF-8 length taken as the spool's framing takes it, since
 * that is where a record built of many small strings is flattened): CPU µs per message for
 * single and batched payloads of the bench's fleet, so that a change to the hot path can be
 * judged in seconds. `npx tsx bench/handler-micro.ts`.
 * The full bench (npm run bench) is the figure that counts; this one only isolates the handler.
 */
import { parseConfig } from '../services/config.ts';
import { createAccounting } from '../services/ingest/accounting.ts';
import { createMessageHandler, type Accepted, type InboundMessage } from '../services/ingest/handle-message.ts';
import { createPresence } from '../services/ingest/presence.ts';
import type { RejectionLog } from '../services/ingest/rejection-log.ts';
import { createStuckDetector } from '../services/ingest/stuck-detector.ts';
import { createReadingEncoder } from '../services/ingest/to-point.ts';
import { createLogger } from '../services/log.ts';
import { createMetrics } from '../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../services/registry/device-registry.ts';
import { createTopics } from '../services/topics.ts';
import { generateReading } from '../simulators/generate-reading.ts';

const config = parseConfig({});
const registry = createDeviceRegistry(await loadRegistryFile(config.registryFile));
const metrics = createMetrics();
const log = createLogger('silent');
const topics = createTopics('luohu');
let rejected = 0;
const rejections = { record: () => void (rejected += 1) } as unknown as RejectionLog;
const handle = createMessageHandler({
  registry, topics, metrics, log, limits: { ...config.ingest, maxPayloadBytes: config.mqtt.maxPayloadBytes }, rejections,
  presence: createPresence(metrics), stuck: createStuckDetector(config.ingest.stuckAfter, metrics),
  accounting: createAccounting({ metrics, log, now: Date.now }), encoder: createReadingEncoder(),
});

function messages(readingsPerMessage: number, count: number): InboundMessage[] {
  const now = Date.now();
  const out: InboundMessage[] = [];
  for (let n = 0; out.length < count; n += 1) {
    for (const device of registry.devices) {
      const items = Array.from({ length: readingsPerMessage }, (_, k) => ({ ts: now - 60_000 + n * readingsPerMessage + k, ...generateReading(42, device, now + n * 1_000 + k) }));
      out.push({ topic: topics.build(device.family, device.id, 'telemetry'), payload: Buffer.from(JSON.stringify(readingsPerMessage === 1 ? items[0] : items)), receivedAtMs: now });
    }
  }
  return out;
}

for (const readingsPerMessage of [1, 20]) {
  const batch = messages(readingsPerMessage, readingsPerMessage === 1 ? 20_000 : 2_000);
  const rounds = readingsPerMessage === 1 ? 15 : 8;
  let best = Infinity;
  for (let round = 0; round < rounds; round += 1) {
    const start = process.cpuUsage();
    let bytes = 0;
    for (const message of batch) {
      // No offload given: the handler answers in this thread, never with a promise.
      const accepted = handle({ ...message, receivedAtMs: message.receivedAtMs }) as Accepted | null;
      // As the spool's framing does: a record built of many small strings is flattened here, so its cost counts.
      if (accepted) bytes += Buffer.byteLength(accepted.record, 'utf8');
    }
    if (bytes === 0) throw new Error('nothing accepted');
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / batch.length);
  }
  process.stdout.write(`${readingsPerMessage} reading(s) a message: ${best.toFixed(2)} µs a message, ${(best / readingsPerMessage).toFixed(2)} µs a reading (best of ${rounds}; ${rejected} rejected)\n`);
}
