import { describe, expect, it } from 'vitest';
import { getFamily } from '../../../services/families/index.ts';
import { mappingOf } from '../../../services/ingest/device-mapping.ts';
import { parseTelemetry } from '../../../services/ingest/parse-telemetry.ts';
import type { DeviceRecord } from '../../../services/registry/registry-schema.ts';

const air = (hj212?: DeviceRecord['hj212']): DeviceRecord => ({
  id: 'air-x', family: 'air', site: 'x', siteName: 'x', street: 'cuizhu', lat: 22.55, lon: 114.12, secretHash: 'sha256$x', attributes: { stationKind: 'district' }, ...(hj212 ? { hj212 } : {}),
});
const limits = { maxPayloadBytes: 65_536, maxBatchReadings: 100, maxFutureMs: 300_000, maxAgeMs: 86_400_000 };

describe('one device mapping for every door', () => {
  it('maps HJ 212 codes through the family modules, 2005 codes through the 原编码 table, and the standard\'s kPa to hPa', () => {
    const mapping = mappingOf(air());
    expect(mapping.field('a34004')).toEqual({ family: 'air', key: 'pm25', factor: 1 });
    expect(mapping.field('LA')).toEqual({ family: 'noise', key: 'la', factor: 1 });
    expect(mapping.field('060')).toEqual({ family: 'water', key: 'nh3n', factor: 1 });
    expect(mapping.field('a01006')).toEqual({ family: 'air', key: 'pressure', factor: 10 });
    expect(mapping.field('a01007')).toBeNull(); // wind speed: no air field takes it
  });

  it('applies the device\'s aliases and unit factors, by field key, HJ 212 code or vendor name', () => {
    const mapping = mappingOf(air({ mn: 'M', pwHash: 'scrypt$x', crc: 'strict', codes: { PM25: 'a34004', TEMP: 'temperature', CO_UG: 'a21005' }, units: { a21005: 0.001, pm10: 1_000 } }));
    expect(mapping.field('PM25')).toEqual({ family: 'air', key: 'pm25', factor: 1 });
    expect(mapping.field('TEMP')).toEqual({ family: 'air', key: 'temperature', factor: 1 });
    expect(mapping.field('CO_UG')).toEqual({ family: 'air', key: 'co', factor: 0.001 });
    expect(mapping.field('a34002')).toEqual({ family: 'air', key: 'pm10', factor: 1_000 });
  });

  it('takes a vendor\'s MQTT JSON as it is: aliases renamed, units converted, then validated by the family', () => {
    const device = air({ mn: 'M', pwHash: 'scrypt$x', crc: 'strict', codes: { PM25: 'pm25', CO: 'co' }, units: { co: 0.001 } });
    const payload = Buffer.from(JSON.stringify({ ts: 1_700_000_000_000, PM25: 35, CO: 1_200, pm10: 60 }));
    const result = parseTelemetry({ family: getFamily('air'), deviceId: device.id, payload, receivedAtMs: 1_700_000_000_000, mapping: mappingOf(device).json }, limits);
    expect(result.rejections).toEqual([]);
    expect(result.readings[0]!.values).toEqual({ pm25: 35, co: 1.2, pm10: 60 });
  });

  it('leaves a device without a map as it is (the same object, no cost)', () => {
    const item = { pm25: 1 };
    expect(mappingOf(air()).json(item)).toBe(item);
  });

  it('answers the same for a name seen again (resolved once a record), and keeps hostile keys as keys the family refuses', () => {
    const device = air({ mn: 'M', pwHash: 'scrypt$x', crc: 'strict', codes: { PM25: 'pm25' }, units: { pm25: 0.5 } });
    const mapping = mappingOf(device);
    for (let k = 0; k < 3; k += 1) expect(mapping.field('PM25')).toEqual({ family: 'air', key: 'pm25', factor: 0.5 });
    for (let k = 0; k < 1_500; k += 1) expect(mapping.field(`junk${k}`)).toBeNull();
    expect(mapping.field('PM25')).toEqual({ family: 'air', key: 'pm25', factor: 0.5 });
    // JSON.parse makes `__proto__` an own key; mapped, it must stay one (not become the object's prototype).
    const payload = Buffer.from('{"ts":1700000000000,"PM25":40,"__proto__":{"pm10":1}}');
    const mapped = mapping.json(JSON.parse(payload.toString()) as Record<string, unknown>);
    expect(Object.getPrototypeOf(mapped)).toBe(Object.prototype);
    expect(Object.keys(mapped)).toEqual(['ts', 'pm25', '__proto__']);
    const result = parseTelemetry({ family: getFamily('air'), deviceId: device.id, payload, receivedAtMs: 1_700_000_000_000, mapping: mapping.json }, limits);
    expect(result.readings).toEqual([]);
    expect(result.rejections.map((rejection) => rejection.code)).toEqual(['WX_ERR_UNKNOWN_FIELD']);
  });
});
