import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { pollutionEpisode, stormRunoff } from '../../simulators/district-weather.ts';
import { applyFaults, parseFaultOptions } from '../../simulators/faults.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { loadRecording } from '../../simulators/recording.ts';

const registry = await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname);
const device = (id: string) => registry.devices.find((candidate) => candidate.id === id)!;
const at = (iso: string) => Date.parse(iso);

function districtDigest(seed: number): string {
  const hash = createHash('sha256');
  const start = at('2025-06-02T00:00:00+08:00');
  for (const candidate of registry.devices) {
    for (let t = start; t < start + 86_400_000; t += 900_000) hash.update(JSON.stringify(generateReading(seed, candidate, t)));
  }
  return hash.digest('hex');
}

describe('the simulators', () => {
  it('give byte-identical readings for the same seed, and others for another seed', () => {
    expect(districtDigest(2025)).toBe(districtDigest(2025));
    expect(districtDigest(2026)).not.toBe(districtDigest(2025));
  });

  it('reproduce the seeds recording of a district day byte for byte', async () => {
    const { messages } = await loadRecording(new URL('../../seeds/recordings/district-day.ndjson.gz', import.meta.url).pathname);
    const telemetry = messages.filter((message) => message.topic.endsWith('/telemetry'));
    expect(telemetry.length).toBeGreaterThan(10_000);
    for (const message of telemetry.filter((_, index) => index % 97 === 0)) {
      const { ts } = JSON.parse(message.payload!) as { ts: number };
      const deviceId = message.topic.split('/')[3]!;
      expect(message.payload).toBe(JSON.stringify({ ts, ...generateReading(2025, device(deviceId), ts) }));
    }
  });

  it('made the seeds recording from every device of the seeded registry (a family added later is in it)', async () => {
    // docs/deploy.md calls it the district's day: one that left out the chargers and the gauges filled half the wall under `start --replay`.
    const { messages } = await loadRecording(new URL('../../seeds/recordings/district-day.ndjson.gz', import.meta.url).pathname);
    const recorded = new Set(messages.filter((message) => message.topic.endsWith('/telemetry')).map((message) => message.topic.split('/')[3]));
    expect(registry.devices.map((candidate) => candidate.id).filter((id) => !recorded.has(id))).toEqual([]);
  });

  it('shape the air like Shenzhen: ozone peaks in the afternoon, PM2.5 is worse in winter', () => {
    const station = device('air-dongmen');
    const mean = (key: string, times: number[]) => times.reduce((sum, t) => sum + generateReading(1, station, t)[key]!, 0) / times.length;
    const days = (month: string, hour: string) => Array.from({ length: 28 }, (_, d) => at(`2025-${month}-${String(d + 1).padStart(2, '0')}T${hour}:00:00+08:00`));
    expect(mean('o3', days('09', '15'))).toBeGreaterThan(1.8 * mean('o3', days('09', '06')));
    expect(mean('pm25', days('01', '12'))).toBeGreaterThan(1.5 * mean('pm25', days('07', '12')));
    const episodes = Array.from({ length: 365 }, (_, d) => pollutionEpisode(1, at('2025-01-01T12:00:00+08:00') + d * 86_400_000));
    expect(episodes.filter((factor) => factor > 1.5).length).toBeGreaterThan(5);
  });

  it('drops dissolved oxygen and raises ammonia after a storm', () => {
    const section = device('water-buji-river-mouth');
    const hours = Array.from({ length: 24 * 365 }, (_, h) => at('2025-01-01T00:00:00+08:00') + h * 3_600_000);
    const stormy = hours.filter((t) => stormRunoff(3, t) > 0.4);
    const calm = hours.filter((t) => stormRunoff(3, t) === 0);
    expect(stormy.length).toBeGreaterThan(20);
    const mean = (key: string, times: number[]) => times.reduce((sum, t) => sum + generateReading(3, section, t)[key]!, 0) / times.length;
    expect(mean('do', stormy)).toBeLessThan(mean('do', calm) - 1);
    expect(mean('nh3n', stormy)).toBeGreaterThan(mean('nh3n', calm) * 1.4);
  });

  it('fills office lots on working days and empties them at night and at weekends', () => {
    const lot = device('parking-kingkey-100');
    const share = (iso: string) => { const r = generateReading(1, lot, at(iso)); return r.occupiedSpaces! / r.totalSpaces!; };
    expect(share('2025-06-04T13:00:00+08:00')).toBeGreaterThan(0.7);
    expect(share('2025-06-04T03:00:00+08:00')).toBeLessThan(0.25);
    expect(share('2025-06-07T13:00:00+08:00')).toBeLessThan(0.45);
  });

  it('turns a fault plan into what a report sends', () => {
    const station = device('air-nanhu');
    const reading = { ts: 1_000, values: { pm25: 10, pm10: 20 } };
    const always = () => 0;
    const spiked = applyFaults(parseFaultOptions(['spike=1']), 1, station, reading, undefined, always);
    expect(spiked.values.pm25).toBeGreaterThan(1_000);
    expect(applyFaults(parseFaultOptions(['duplicate=1']), 1, station, reading, undefined, always).payloads).toHaveLength(2);
    expect(() => JSON.parse(applyFaults(parseFaultOptions(['malformed=1']), 1, station, reading, undefined, always).payloads[0]!)).toThrow();
    const skewed = JSON.parse(applyFaults(parseFaultOptions(['clockSkew=1']), 1, station, reading, undefined, () => 0.99).payloads[0]!);
    expect(skewed.ts).toBe(1_000 + 600_000);
    expect(applyFaults(parseFaultOptions(['stuck=1']), 1, station, reading, { pm25: 7 }, () => 0.99).values).toEqual({ pm25: 7 });
    expect(() => parseFaultOptions(['gremlins=1'])).toThrow();
  });
});
