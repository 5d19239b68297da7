import { describe, expect, it } from 'vitest';
import type { FamilyId } from '../../services/families/index.ts';
import { getFamily } from '../../services/families/index.ts';
import { freshnessAfter, judgedIntervalMs } from '../../services/live/freshness.ts';
import { createDeltaBook } from '../../services/live/stream-delta.ts';
import type { DeviceState } from '../../services/live/device-state.ts';
import { deviceReportIntervalMs } from '../../services/registry/report-interval.ts';

// The page's modules: plain JavaScript served to the browser as is (no types: loaded by path).
type PageDevice = Record<string, unknown> & { id: string; family: string };
type Devices = Map<string, PageDevice>;
const modelPath = '../../services/screen/model.js';
const deltaPath = '../../services/screen/stream-delta.js';
const page = (await import(modelPath)) as {
  model: { intervals: Record<string, number> };
  judgedIntervalMs(device: PageDevice): number;
  freshnessOf(device: PageDevice, now: number): string;
};
const { applyDeltaItem, applySync } = (await import(deltaPath)) as {
  applyDeltaItem(devices: Devices, base: number, item: unknown, receivedAt: number): PageDevice | null;
  applySync(devices: Devices, picture: unknown, receivedAt: number): string[];
};

const minute = 60_000;
const state: DeviceState = { severity: 0, colour: '#2fbf71', label: 'aqi-1', value: 30, limit: 100 };
const families: FamilyId[] = ['air', 'noise', 'water', 'grid'];
for (const family of families) page.model.intervals[family] = getFamily(family).reportIntervalMs;

/** An air station as the page holds it after /api/v1/live: registered at 5 minutes, one reading received at `receivedMs`. */
const station = (receivedMs: number, gapMs: number | null): PageDevice => ({
  id: 'air-x', family: 'air', reportIntervalMs: 5 * minute, gapMs, time: new Date(receivedMs - 1_000).toISOString(), receivedMs, values: {}, state,
});

/**
 * Issue 22: a station registered at 5 minutes (as real ones report) that shows it reports every
 * 5 s (the demo fleet) is judged by the gap it shows, never below its family's interval; the page
 * counts it itself (services/screen/model.js) and must come to what the platform says
 * (services/live/freshness.ts) from whatever it was told: /live, the sync, the deltas.
 */
describe('the page judges lateness by the platform’s rule, from the figures every path gives it', () => {
  it('gives the interval the platform gives, for every registration, family and gap', () => {
    for (const family of families) {
      for (const registered of [undefined, minute, 5 * minute, 60 * minute, 4 * 60 * minute]) {
        const record = { family, reportIntervalMs: registered };
        for (const gap of [undefined, 1, 5_000, minute, 150_000, 5 * minute, 60 * minute, 24 * 60 * minute]) {
          // /live carries the registered interval (the family's where none is) and the gap (null for none).
          const shown = { id: 'd', family, reportIntervalMs: deviceReportIntervalMs(record), gapMs: gap ?? null };
          expect(page.judgedIntervalMs(shown), `${family} ${registered} ${gap}`).toBe(judgedIntervalMs(record, gap));
        }
      }
    }
  });

  it('takes the gap the sync carries: a 5-s station that stops is late after 2 minutes, not 10', () => {
    const t0 = Date.UTC(2026, 11, 7, 2);
    // /live answered before the platform had two of its readings; the sync brings the third, and the gap.
    const devices: Devices = new Map([['air-x', station(t0, null)]]);
    const book = createDeltaBook();
    for (let i = 1; i <= 3; i += 1) book.take('air-x', { timeMs: t0 + i * 5_000, receivedAtMs: t0 + i * 5_000 + 40, values: { pm25: 30 + i } }, state, t0);
    const picture = JSON.parse(JSON.stringify(book.sync(() => true, t0 + 16_000, () => 5_000))) as unknown;
    applySync(devices, picture, t0 + 16_000);
    const last = t0 + 15_040;
    const device = devices.get('air-x')!;
    expect(page.judgedIntervalMs(device)).toBe(minute);
    expect(page.freshnessOf(device, last + 150_000)).toBe('late');
    expect(page.freshnessOf(device, last + 190_000)).toBe('silent');
    expect(freshnessAfter(judgedIntervalMs({ family: 'air', reportIntervalMs: 5 * minute }, 5_000), 150_000)).toBe('late');
  });

  it('learns the gap from the deltas, and never from a reading repeated (a QoS 1 redelivery)', () => {
    const t0 = Date.UTC(2026, 11, 7, 2);
    // A real 5-minute station: its last gap, as /live gave it, is 5 minutes.
    const devices: Devices = new Map([['air-x', station(t0, 5 * minute)]]);
    const readingTime = t0 + 5 * minute - 1_000;
    applyDeltaItem(devices, readingTime, ['air-x', 0, { pm25: 31 }], t0 + 5 * minute);
    // The same reading again 50 ms later: the same time, no gap of 50 ms (it was late after 2 minutes).
    applyDeltaItem(devices, readingTime, ['air-x', 0], t0 + 5 * minute + 50);
    const device = devices.get('air-x')!;
    expect(device.gapMs).toBe(5 * minute);
    expect(page.freshnessOf(device, t0 + 5 * minute + 150_000)).toBe('fresh');
    expect(page.freshnessOf(device, t0 + 5 * minute + 11 * minute)).toBe('late');
    // A demo station's next readings, 5 s apart: judged by its family's minute from then on.
    applyDeltaItem(devices, readingTime + 5_000, ['air-x', 0, { pm25: 32 }], t0 + 5 * minute + 5_000);
    expect(devices.get('air-x')!.gapMs).toBe(4_950);
    expect(page.freshnessOf(devices.get('air-x')!, t0 + 5 * minute + 5_000 + 150_000)).toBe('late');
  });

  it('learns the gap from the reading after one stamped ahead too (an earlier stamp is another reading)', () => {
    const t0 = Date.UTC(2026, 11, 7, 2);
    const devices: Devices = new Map([['air-x', station(t0, 5 * minute)]]);
    // A clock 4 minutes ahead for one reading, then right again: the platform shows the next one in its place.
    applyDeltaItem(devices, t0 + 9 * minute, ['air-x', 0, { pm25: 31 }], t0 + 5 * minute);
    applyDeltaItem(devices, t0 + 5 * minute + 4_000, ['air-x', 0, { pm25: 32 }], t0 + 5 * minute + 5_000);
    expect(devices.get('air-x')!.gapMs).toBe(5_000);
  });
});
