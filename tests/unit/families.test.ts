import { describe, expect, it } from 'vitest';
import { families, familyIds, getFamily } from '../../services/families/index.ts';
import { parseTelemetry } from '../../services/ingest/parse-telemetry.ts';

const limits = { maxPayloadBytes: 65_536, maxBatchReadings: 3, maxFutureMs: 300_000, maxAgeMs: 86_400_000 };
const parse = (family: keyof typeof families, payload: unknown) =>
  parseTelemetry({ family: getFamily(family), deviceId: 'd1', payload: Buffer.from(JSON.stringify(payload)), receivedAtMs: 1_800_000_000_000 }, limits);

describe('sensor families', () => {
  it('name every InfluxDB field in snake_case with its unit, once per family', () => {
    for (const id of familyIds) {
      const family = getFamily(id);
      const fields = Object.values(family.fields).map((spec) => spec.field);
      expect(new Set(fields).size, id).toBe(fields.length);
      for (const field of fields) expect(field).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(family.measurement).toMatch(/^[a-z_]+$/);
    }
  });

  it('refuses a parking reading with more occupied than total spaces', () => {
    expect(parse('parking', { totalSpaces: 10, occupiedSpaces: 11 }).rejections[0]?.code).toBe('WX_ERR_INCONSISTENT_VALUES');
    expect(parse('parking', { totalSpaces: 10.5, occupiedSpaces: 1 }).rejections[0]?.code).toBe('WX_ERR_WRONG_TYPE');
  });

  it('refuses noise percentiles out of order and a grid reading without active power', () => {
    expect(parse('noise', { leq: 60, l10: 55, l50: 58 }).rejections[0]?.code).toBe('WX_ERR_INCONSISTENT_VALUES');
    expect(parse('grid', { voltage: 10.4 }).rejections[0]?.code).toBe('WX_ERR_MISSING_FIELD');
  });

  it('derives the load rate from P and Q, from P and the power factor, or from P alone', () => {
    const derive = families.grid.derive!;
    const attributes = { level: 'transformer', substation: 's', ratedKva: 1_000, voltageClass: '10kV' } as const;
    expect(derive({ activePower: 600, reactivePower: 800 }, attributes).load_rate_pct).toBeCloseTo(100);
    expect(derive({ activePower: 450, powerFactor: 0.9 }, attributes).load_rate_pct).toBeCloseTo(50);
    expect(derive({ activePower: -300 }, attributes).load_rate_pct).toBeCloseTo(30);
  });

  it('refuses a batch larger than the limit, and an empty one', () => {
    expect(parseTelemetry({ family: getFamily('air'), deviceId: 'd1', payload: Buffer.from('[{},{},{},{}]'), receivedAtMs: 0 }, limits).rejections[0]).toMatchObject({ code: 'WX_ERR_BATCH_TOO_LARGE', readings: 4 });
    expect(parse('air', []).rejections[0]?.code).toBe('WX_ERR_EMPTY_READING');
  });
});
