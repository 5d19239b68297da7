import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSegment } from '../../../services/hj212/packet.ts';
import { takePacket } from '../../../services/hj212/station-door.ts';
import type { DeviceRecord, RegistryFile } from '../../../services/registry/registry-schema.ts';

const seeds = JSON.parse(readFileSync('seeds/devices.json', 'utf8')) as RegistryFile;
const station: DeviceRecord = { ...seeds.devices.find((device) => device.family === 'air')!, hj212: { mn: 'AUDITFLAGS0000000000001', pwHash: 'sha256$x', crc: 'strict' } };
const hourStartMs = Date.UTC(2026, 11, 6, 2); // 10:00 Beijing
const limits = { maxFutureMs: 3_600_000, maxAgeMs: 7 * 86_400_000 };

/** The line of a 2061 packet's CP, as the station door builds it. */
function take(cp: string) {
  const parsed = parseSegment(`QN=20261206110000001;ST=22;CN=2061;PW=123456;MN=${station.hj212!.mn};Flag=5;CP=&&DataTime=20261206100000;${cp}&&`);
  if (!parsed.ok) throw new Error(parsed.reason);
  const intake = takePacket(parsed.packet, station, () => undefined, hourStartMs + 3_600_000, limits);
  return { line: intake.records[0]?.lines[0] ?? '', refusals: intake.records.flatMap((record) => record.refusals) };
}

// The audit of issue 20: values outside the family's range were refused before their flag was
// read, so a zero calibration below 0 (C) and a value above the range (T) left no trace of their flags.
describe('HJ 212 flags on values outside the family\'s range', () => {
  it('keeps a value flagged invalid in <field>_invalid whatever it is, with its flag, and refuses nothing', () => {
    const { line, refusals } = take('a21026-Avg=-2.5,a21026-Flag=C;a34002-Avg=2500,a34002-Flag=C;a21004-Avg=30,a21004-Flag=N');
    expect(refusals).toEqual([]);
    expect(line).toContain('so2_ugm3_invalid=-2.5');
    expect(line).toContain('so2_ugm3_flag="C"');
    expect(line).toContain('pm10_ugm3_invalid=2500');
    expect(line).toContain('no2_ugm3=30');
    expect(line).not.toMatch(/[ ,]so2_ugm3=|[ ,]pm10_ugm3=/);
  });

  it('refuses a T value above the range, and keeps its flag for the review page', () => {
    const { line, refusals } = take('a34004-Avg=1200,a34004-Flag=T;a21004-Avg=30,a21004-Flag=N');
    expect(refusals).toEqual([expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE', message: expect.stringContaining('flag T') })]);
    expect(line).toContain('pm25_ugm3_flag="T"');
    expect(line).not.toMatch(/[ ,]pm25_ugm3=|pm25_ugm3_invalid/);
  });
});

describe('HJ 212 flags as loggers write them', () => {
  it('reads a lower-case Table 8 letter as that letter (d a fault, c a calibration: invalid; n valid; t suspect), stored as sent', () => {
    const { line, refusals } = take('a21026-Avg=8,a21026-Flag=d;a21004-Avg=30,a21004-Flag=c;a34004-Avg=35,a34004-Flag=n;a34002-Avg=60,a34002-Flag=t;a05024-Avg=90,a05024-Flag=m');
    expect(refusals).toEqual([]);
    expect(line).toContain('so2_ugm3_invalid=8');
    expect(line).toContain('so2_ugm3_flag="d"');
    expect(line).toContain('no2_ugm3_invalid=30');
    expect(line).toContain('o3_ugm3_invalid=90');
    expect(line).toMatch(/[ ,]pm25_ugm3=35/);
    expect(line).toMatch(/[ ,]pm10_ugm3=60/);
    expect(line).not.toMatch(/[ ,]so2_ugm3=|[ ,]no2_ugm3=|[ ,]o3_ugm3=/);
  });

  it('an empty -Flag= is no flag: the value stays in its field and no empty flag is stored', () => {
    const { line } = take('a34004-Avg=35,a34004-Flag=');
    expect(line).toMatch(/[ ,]pm25_ugm3=35/);
    expect(line).not.toContain('pm25_ugm3_flag');
  });
});
