import { getFamily } from '../families/index.ts';
import type { ReviewSource } from '../rollups/review-overlay.ts';
import { fieldsTakenOut } from '../review/marked-fields.ts';
import type { MarkRecord } from '../review/mark-schema.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';

export interface LiveMarks {
  /** Reads the marks in force again; true when they changed (a mark taken or revoked). */
  refresh(): Promise<boolean>;
  /** A reading's values as the wall may show them: without what a mark in force over its time takes out. */
  shown(device: DeviceRecord, timeMs: number, values: Readonly<Record<string, number>>): Readonly<Record<string, number>>;
}

/**
 * The officers' review marks (HJ 818's review; docs/officers.md) as the live view applies them: a
 * mark may run up to a day ahead (an analyser under maintenance until tomorrow), and the newest
 * reading it covers was shown on the wall as valid, its AQI judged and counted, while every figure
 * the platform computes left it out (services/review/effective-marks.ts withoutMarked, the same rule).
 */
export function createLiveMarks(source: ReviewSource | undefined): LiveMarks {
  // By device: every reading shown looks its device's marks up (a flush every 500 ms).
  let byDevice = new Map<string, MarkRecord[]>();
  let ids = '';
  return {
    async refresh() {
      if (!source) return false;
      const next = (await source.state()).effective;
      const nextIds = next.map((mark) => mark.id).sort().join(',');
      if (nextIds === ids) return false;
      byDevice = new Map();
      for (const mark of next) for (const id of mark.devices) byDevice.set(id, [...(byDevice.get(id) ?? []), mark]);
      ids = nextIds;
      return true;
    },
    shown(device, timeMs, values) {
      const covering = (byDevice.get(device.id) ?? []).filter((mark) => timeMs >= mark.fromMs && timeMs < mark.toMs);
      if (covering.length === 0) return values;
      // A mark of every field takes the whole reading out.
      if (covering.some((mark) => mark.fields.length === 0)) return {};
      const taken = new Set(covering.flatMap((mark) => fieldsTakenOut(mark)));
      const fields = getFamily(device.family).fields;
      // Marks name InfluxDB fields (pm25_ugm3); the live view keeps payload keys (pm25).
      return Object.fromEntries(Object.entries(values).filter(([key]) => !taken.has(fields[key]?.field ?? key)));
    },
  };
}
