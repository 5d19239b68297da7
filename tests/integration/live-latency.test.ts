import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { getFamily } from '../../services/families/index.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { scaleRegistry } from '../../simulators/scaled-registry.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * /api/v1/live for a whole district of 10,000 devices, each with a latest reading, answered from
 * memory over real HTTP. The latency is printed (benchmarks, not tests, hold speed to a bound).
 */
describe('/api/v1/live for a 10,000-device district', () => {
  let test: TestPlatform;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-live-latency-'));
    const registry = await scaleRegistry(await loadRegistryFile('seeds/devices.json'), 10_000, defaultFleetKey);
    await writeFile(join(dir, 'devices.json'), JSON.stringify(registry));
    test = await startTestPlatform({ registryFile: join(dir, 'devices.json'), rollups: { enabled: false } });
  });
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every device with its reading and state', async () => {
    const now = Date.now();
    for (const device of test.platform.registry.devices) {
      test.platform.live.observe({ family: device.family, deviceId: device.id, timeMs: now, receivedAtMs: now, values: generateReading(3, device, now) });
    }
    const timings: number[] = [];
    let body: { families: Array<{ family: string; devices: Array<{ values: Record<string, number>; freshness: string; state: { label: string } }> }> } | undefined;
    for (let i = 0; i < 15; i += 1) {
      const started = performance.now();
      const response = await fetch(`${test.endpoints.httpUrl}/api/v1/live`);
      body = (await response.json()) as typeof body;
      timings.push(performance.now() - started);
    }
    const devices = body!.families.flatMap((f) => f.devices);
    expect(devices).toHaveLength(10_000);
    expect(devices.every((d) => d.freshness === 'fresh' && Object.keys(d.values).length > 0)).toBe(true);
    expect(devices.filter((d) => d.state.label === 'no-data')).toHaveLength(0);
    for (const family of body!.families) expect(Object.keys(getFamily(family.family as never).fields).length).toBeGreaterThan(0);
    timings.sort((a, b) => a - b);
    // The server's own part: the snapshot from memory and its JSON, without the socket and the client's parse.
    const server: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 15; i += 1) {
      const started = performance.now();
      bytes = JSON.stringify(test.platform.live.snapshot()).length;
      server.push(performance.now() - started);
    }
    server.sort((a, b) => a - b);
    console.log(`/api/v1/live, 10,000 devices (${(bytes / 1_048_576).toFixed(1)} MiB): HTTP round trip median ${timings[7]!.toFixed(1)} ms (best ${timings[0]!.toFixed(1)}); snapshot + JSON in the server median ${server[7]!.toFixed(1)} ms (best ${server[0]!.toFixed(1)}) (shared machine)`);
  });
});
