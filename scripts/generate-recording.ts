/**
 * Writes seeds/recordings/district-day.ndjson.gz: a realistic district day (2025-06-02,
 * a Monday, Beijing time) as the recorder would have captured it, made by the simulators
 * so that it is reproducible, every device of the seeded registry at its family's interval but at
 * most one reading in 5 minutes (air, VOC and chargers send every minute live) to keep it small.
 * Run: npx tsx scripts/generate-recording.ts
 */
import { resolve } from 'node:path';
import { getFamily } from '../services/families/index.ts';
import { loadRegistryFile } from '../services/registry/device-registry.ts';
import { createTopics } from '../services/topics.ts';
import { generateReading } from '../simulators/generate-reading.ts';
import { createRecordingWriter } from '../simulators/recording.ts';
import { unitHash } from '../simulators/rng.ts';

const seed = 2025;
const dayStart = Date.parse('2025-06-02T00:00:00+08:00');
const registry = await loadRegistryFile(resolve('seeds/devices.json'));
const topics = createTopics('luohu');
const messages: Array<{ t: number; topic: string; payload: string }> = [];
for (const device of registry.devices) {
  messages.push({ t: dayStart, topic: topics.build(device.family, device.id, 'status'), payload: 'online' });
  const step = Math.max(getFamily(device.family).reportIntervalMs, 300_000);
  const phase = Math.floor(unitHash(seed, 'phase', device.id) * step);
  for (let ts = dayStart + phase; ts < dayStart + 86_400_000; ts += step) {
    const lag = 40 + Math.floor(unitHash(seed, 'lag', device.id, ts) * 400);
    messages.push({ t: ts + lag, topic: topics.build(device.family, device.id, 'telemetry'), payload: JSON.stringify({ ts, ...generateReading(seed, device, ts) }) });
  }
}
messages.sort((a, b) => a.t - b.t || a.topic.localeCompare(b.topic));
const path = resolve('seeds/recordings/district-day.ndjson.gz');
const writer = createRecordingWriter(path, { startedAt: dayStart, source: 'simulated Luohu district, seed 2025' });
for (const message of messages) writer.write(message);
await writer.close();
console.log(`${path}: ${messages.length} messages`);
