import { describe, expect, it } from 'vitest';
import { createEvaluator, type ConditionContext } from '../../../services/alarms/conditions/index.ts';
import type { Reading } from '../../../services/ingest/reading.ts';
import type { DeviceRecord } from '../../../services/registry/registry-schema.ts';
import { ambientLimit, chooseAqiStandard, chooseGb3095Phase, hourlyAqi } from '../../../services/standards/index.ts';
import { verdictOf } from '../../../services/alarms/conditions/aqi-verdict.ts';

// The AQI and hour-mean rules keep the version or limit in force for the clock hour (choosing
// formats the Beijing date). Across the day the 2026 standards came into force, hour by hour,
// they must answer what choosing afresh for every reading answers.
const context: ConditionContext = { gridThresholds: { heavyPct: 80, overloadPct: 100 }, reportIntervalMs: () => 60_000 };
const device = { id: 'AQ-1', family: 'air' } as unknown as DeviceRecord;
const hourMs = 3_600_000;
// 2026-03-01 00:00 in Beijing (UTC+8) is 2026-02-28 16:00 UTC.
const inForce = Date.UTC(2026, 1, 28, 16);

function readings(): Reading[] {
  const out: Reading[] = [];
  for (let minute = -180; minute <= 180; minute += 7) {
    const timeMs = inForce + minute * 60_000 + (minute % 3) * 1_000;
    out.push({ family: 'air', deviceId: device.id, timeMs, receivedAtMs: timeMs, values: { pm25: 40 + (minute % 50), so2: 10, no2: 30, co: 0.8, o3: 120 + (minute % 40), pm10: 70 } });
  }
  return out;
}

describe('alarm conditions that keep the version or limit for the hour', () => {
  it('aqi-realtime answers as hourlyAqi with the version chosen for each reading', () => {
    const evaluator = createEvaluator({ kind: 'aqi-realtime', above: 50 }, context);
    const standards = new Set<string>();
    for (const reading of readings()) {
      const hourEnding = Math.floor(reading.timeMs / hourMs) * hourMs + hourMs;
      standards.add(chooseAqiStandard(hourEnding - 1));
      const { pm25, so2, no2, co, o3, pm10 } = reading.values;
      expect(evaluator.observe(reading, device)).toEqual(verdictOf(hourlyAqi({ pm25, so2, no2, co, o3, pm10 }, { hourEnding }), 50));
    }
    expect(standards).toEqual(new Set(['HJ 633-2012', 'HJ 633-2026']));
  });

  it('hour-mean compares with the limit of each reading’s own day', () => {
    const evaluator = createEvaluator({ kind: 'hour-mean', pollutant: 'pm25', limit: 'pm25_24h', grade: 2 }, context);
    const limits = new Set<number>();
    for (const reading of readings()) {
      const verdict = evaluator.observe(reading, device);
      const limit = ambientLimit('pm25_24h', chooseGb3095Phase(reading.timeMs), 2);
      limits.add(limit);
      expect(verdict?.limit).toBe(limit);
    }
    expect(limits.size).toBe(2);
  });
});
