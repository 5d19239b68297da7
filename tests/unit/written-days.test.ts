import { describe, expect, it } from 'vitest';
import { forEachWrittenDay } from '../../services/ingest/written-days.ts';

const at = (text: string) => Date.parse(text);
const visited = (batch: Parameters<typeof forEachWrittenDay>[0]) => {
  const out: Array<[string, string]> = [];
  forEachWrittenDay(batch, (family, timeMs) => out.push([family, new Date(timeMs + 8 * 3_600_000).toISOString().slice(0, 10)]));
  return out;
};

describe('the Beijing days a written batch falls on (written-days.ts)', () => {
  it('reads each line of a block by its timestamp, strings with spaces and commas included, once per family and day', () => {
    const late = at('2025-03-01T23:59:59+08:00');
    const early = at('2025-03-02T00:00:00+08:00');
    const block = [
      `air_quality,device=a pm25_ugm3=1,recv_lag_ms=3i ${late}`,
      `air_quality_hj212,device=a,interval=hour pm25_ugm3_flag="N x, y=1 2",recv_lag_ms=3i ${early}`,
      `air_quality,device=a pm25_ugm3=2,recv_lag_ms=3i ${late - 5_000}`,
    ].join('\n');
    expect(visited([
      { family: 'air', device: 'a', hour: 0, line: block, readings: 3 },
      { family: 'noise', device: 'n', hour: 0, line: `noise,device=n leq_dba=50,recv_lag_ms=1i ${late}` },
      { line: `device_status,device=a online=1i ${early}` }, // no family: not a reading
    ])).toEqual([['air', '2025-03-01'], ['air', '2025-03-02'], ['noise', '2025-03-01']]);
  });

  it('reads a time before 1970', () => {
    expect(visited([{ family: 'air', line: 'air_quality,device=a pm25_ugm3=1 -86400000' }])).toEqual([['air', '1969-12-31']]);
  });
});
