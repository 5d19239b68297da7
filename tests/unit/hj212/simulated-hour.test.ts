import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RegistryFile } from '../../../services/registry/registry-schema.ts';
import { decibelKeys, hourStatistics } from '../../../simulators/hj212-packets.ts';

const seeds = JSON.parse(readFileSync('seeds/devices.json', 'utf8')) as RegistryFile;

describe('a simulated station\'s hour (2061), as a real station computes it', () => {
  it('a noise monitor\'s Leq of the hour is the energy average of its readings (GB 3096-2008 Annex C), other factors their mean', () => {
    const noise = seeds.devices.find((device) => device.family === 'noise')!;
    const air = seeds.devices.find((device) => device.family === 'air')!;
    const readings = [{ leq: 50, lmax: 60 }, { leq: 70, lmax: 80 }];
    const hour = hourStatistics(readings, decibelKeys(noise));
    expect(hour.leq!.avg).toBeCloseTo(10 * Math.log10((10 ** 5 + 10 ** 7) / 2), 9);
    expect(hour.leq).toMatchObject({ min: 50, max: 70 });
    expect(hourStatistics([{ pm25: 10 }, { pm25: 30 }], decibelKeys(air)).pm25!.avg).toBe(20);
  });
});
