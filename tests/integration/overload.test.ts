import { describe, expect, it } from 'vitest';
import { getFamily } from '../../services/families/index.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import type { LoadJob, LoadMessage } from '../../bench/load-generator.ts';
import { ask, exited, forkTs } from '../../bench/lib/children.ts';
import { startTestPlatform } from '../helpers/test-platform.ts';

// Issue 9 item 6 at small scale: devices offer messages as fast as their QoS 1 windows allow
// (10 in flight each, from the bench's load generator in its own process), more than the
// platform sustains. What must hold, without timing: the platform's own backlog stays
// bounded (the spool under its quota, readings waiting in memory no more than the
// connections' windows), every message is acknowledged, nothing acknowledged is lost, and
// a second burst after the first is taken as well (the rate recovers).

describe('overload', () => {
  it('stays bounded, loses nothing, and recovers', async () => {
    const maxBytes = 256 * 1024;
    const test = await startTestPlatform({ spool: { maxBytes, segmentBytes: 32 * 1024 }, rollups: { enabled: false } });
    const devices = test.platform.registry.devices.slice(0, 20);
    const job = (firstTsMs: number): LoadJob => ({
      host: '127.0.0.1', port: Number(new URL(test.endpoints.mqttUrl).port), seed: 3, inFlight: 10, readingsPerMessage: 1, messagesPerDevice: 400, firstTsMs, stepMs: 1,
      devices: devices.map((record) => ({ record, topic: test.topics.build(record.family, record.id, 'telemetry'), password: simulatedDeviceSecret(test.config.fleetKey, record.id) })),
    });
    let peakSpool = 0;
    let peakPending = 0;
    const sampler = setInterval(() => {
      peakSpool = Math.max(peakSpool, test.platform.ingest.spool.usedBytes);
      peakPending = Math.max(peakPending, test.platform.ingest.queuedReadings - test.platform.ingest.spool.unacknowledgedRecords);
    }, 5);
    const burst = async (firstTsMs: number) => {
      const generator = forkTs('bench/load-generator.ts');
      await ask(generator, job(firstTsMs), 'ready');
      const done = await ask<Extract<LoadMessage, { type: 'done' }>>(generator, { type: 'go' }, 'done');
      await exited(generator);
      return done.acked;
    };
    const base = Date.now() - 600_000;
    expect(await burst(base)).toBe(20 * 400);
    expect(await burst(base + 100_000)).toBe(20 * 400); // taken again after the first burst
    await test.platform.ingest.drain();
    clearInterval(sampler);

    expect(peakSpool).toBeLessThanOrEqual(maxBytes);
    // Accepted and not yet in the spool: at most what the connections have in flight.
    expect(peakPending).toBeLessThanOrEqual(20 * 10);
    let landed = 0;
    for (const measurement of new Set(devices.map((device) => getFamily(device.family).measurement))) landed += await test.countPoints(measurement);
    expect(landed).toBe(2 * 20 * 400);
    expect(await test.metric('wanxiang_readings_rejected_total')).toBe(0);
    await test.close();
  }, 120_000);
});
