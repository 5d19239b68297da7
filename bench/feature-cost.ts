/**
 * `npm run bench:features` (issue 26, item 4): what the features filed beside the ingest goals
 * cost an MQTT message, each measured on the code it adds to the per-message path, in one
 * process, rounds interleaved so that drift hits every variant alike (best of the rounds):
 *
 * - HJ 212 stations in the registry (issue 20): every device carries an `hj212` block; the MQTT
 *   handler's only extra work is the check for an alias or unit map.
 * - The per-device alias and unit map (issue 20, item 3): every device has one, and its payloads
 *   use the vendor's names, so each key is renamed and its factor looked up.
 * - Per-device rate limits (issue 18, item 11): the broker's token bucket and the reading count
 *   of the payload, per message.
 * - Review marks (issue 22): not on the ingest path at all; the rollups apply them when they
 *   read (services/rollups/rollup-engine.ts), so their cost a message is zero by construction.
 *
 * The handler is the one the platform runs (services/ingest/handle-message.ts, in this thread);
 * the figure is CPU µs a message, the difference to the plain registry's handler.
 */
import { countReadings, createDeviceRate } from '../services/device-rate.ts';
import { parseConfig } from '../services/config.ts';
import { families } from '../services/families/index.ts';
import { createAccounting } from '../services/ingest/accounting.ts';
import { createMessageHandler, type Accepted, type InboundMessage } from '../services/ingest/handle-message.ts';
import { createPresence } from '../services/ingest/presence.ts';
import type { RejectionLog } from '../services/ingest/rejection-log.ts';
import { createStuckDetector } from '../services/ingest/stuck-detector.ts';
import { createReadingEncoder } from '../services/ingest/to-point.ts';
import { createLogger } from '../services/log.ts';
import { createMetrics } from '../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../services/registry/device-registry.ts';
import type { DeviceRecord, RegistryFile } from '../services/registry/registry-schema.ts';
import { createTopics } from '../services/topics.ts';
import { generateReading } from '../simulators/generate-reading.ts';

const config = parseConfig({});
const seed = await loadRegistryFile(config.registryFile);
const topics = createTopics('luohu');
const out = (line: string) => process.stdout.write(`${line}\n`);
const vendorName = (key: string) => `V_${key.toUpperCase()}`;

// Only the MQTT families: the VOC family arrives over HJ 212 alone.
const plainDevices: DeviceRecord[] = seed.devices.filter((device) => !device.disabled && device.family !== 'voc').map(({ hj212: _station, ...device }) => device);
const stationDevices = plainDevices.map((device, index) => ({ ...device, hj212: { mn: `FEATURE${String(index).padStart(8, '0')}`, pwHash: seed.devices.find((known) => known.hj212)?.hj212?.pwHash ?? 'x', crc: 'strict' as const } }));
const mappedDevices = stationDevices.map((device) => {
  const keys = Object.keys(families[device.family].fields);
  return { ...device, hj212: { ...device.hj212, codes: Object.fromEntries(keys.map((key) => [vendorName(key), key])), units: Object.fromEntries(keys.map((key) => [key, 1])) } };
});

function handlerFor(devices: DeviceRecord[]) {
  const metrics = createMetrics();
  const log = createLogger('silent');
  const registry = createDeviceRegistry({ ...seed, devices } as RegistryFile);
  const rejections = { record: () => undefined, recordMessage: () => undefined } as unknown as RejectionLog;
  return createMessageHandler({
    registry, topics, metrics, log, limits: { ...config.ingest, maxPayloadBytes: config.mqtt.maxPayloadBytes }, rejections,
    presence: createPresence(metrics), stuck: createStuckDetector(config.ingest.stuckAfter, metrics),
    accounting: createAccounting({ metrics, log, now: Date.now }), encoder: createReadingEncoder(),
  });
}

function messages(devices: DeviceRecord[], readingsPerMessage: number, count: number, rename: boolean): InboundMessage[] {
  const now = Date.now();
  const list: InboundMessage[] = [];
  for (let n = 0; list.length < count; n += 1) {
    for (const device of devices) {
      const items = Array.from({ length: readingsPerMessage }, (_, k) => {
        const reading = generateReading(42, device, now + n * 1_000 + k) as Record<string, unknown>;
        const named = rename ? Object.fromEntries(Object.entries(reading).map(([key, value]) => [vendorName(key), value])) : reading;
        return { ts: now - 60_000 + n * readingsPerMessage + k, ...named };
      });
      list.push({ topic: topics.build(device.family, device.id, 'telemetry'), payload: Buffer.from(JSON.stringify(readingsPerMessage === 1 ? items[0] : items)), receivedAtMs: now });
    }
  }
  return list;
}

/** CPU µs a message of one pass of `run` over `list`. */
function cpuPerMessage(list: readonly InboundMessage[], run: (message: InboundMessage) => number): number {
  const start = process.cpuUsage();
  let check = 0;
  for (const message of list) check += run(message);
  const used = process.cpuUsage(start);
  if (check === 0) throw new Error('nothing accepted');
  return (used.user + used.system) / list.length;
}

const handle = (handler: ReturnType<typeof handlerFor>) => (message: InboundMessage) => {
  const accepted = handler(message) as Accepted | null;
  return accepted ? Buffer.byteLength(accepted.record, 'utf8') : 0;
};

out(`bench:features — the per-message cost of the features beside the ingest path (issue 26, item 4); CPU µs a message, best of the rounds`);
for (const readingsPerMessage of [1, 20]) {
  const count = readingsPerMessage === 1 ? 20_000 : 2_000;
  const variants = {
    plain: { run: handle(handlerFor(plainDevices)), list: messages(plainDevices, readingsPerMessage, count, false) },
    stations: { run: handle(handlerFor(stationDevices)), list: messages(stationDevices, readingsPerMessage, count, false) },
    aliases: { run: handle(handlerFor(mappedDevices)), list: messages(mappedDevices, readingsPerMessage, count, true) },
  };
  const rate = createDeviceRate({ messagesPerSecond: 1e9, readingsPerSecond: 1e12, burstSeconds: 10 });
  const rateLimit = (message: InboundMessage) => 1 + rate.take(rate.bucketOf(message.topic), countReadings(message.payload));
  const best = { plain: Infinity, stations: Infinity, aliases: Infinity, rate: Infinity };
  const rounds = readingsPerMessage === 1 ? 15 : 8;
  for (let round = 0; round < rounds; round += 1) {
    for (const name of ['plain', 'stations', 'aliases'] as const) best[name] = Math.min(best[name], cpuPerMessage(variants[name].list, variants[name].run));
    best.rate = Math.min(best.rate, cpuPerMessage(variants.plain.list, rateLimit));
  }
  const stations = Math.max(0, best.stations - best.plain);
  const aliases = Math.max(0, best.aliases - best.plain);
  out(`${readingsPerMessage} reading(s) a message: handler ${best.plain.toFixed(2)} µs with the plain registry`);
  out(`  HJ 212 stations in the registry  +${stations.toFixed(2)} µs`);
  out(`  alias and unit map (every key renamed) +${aliases.toFixed(2)} µs (paid only by devices that have a map)`);
  out(`  per-device rate limit            +${best.rate.toFixed(2)} µs`);
  out(`  review marks                     +0.00 µs (applied by the rollups when they read, never per message)`);
  out(`  together, for a device without a map: +${(stations + best.rate).toFixed(2)} µs; with one: +${(stations + aliases + best.rate).toFixed(2)} µs (goal ≤ 1 µs)`);
}
