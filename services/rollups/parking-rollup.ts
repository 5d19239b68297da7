import { peakHours, shareableSpaces } from '../standards/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import { bucketRows, daySpans, meanOf, type FamilyRollup } from './rollup-types.ts';
import { deviceTags } from '../registry/device-tags.ts';

export const parkingHourlyMeasurement = 'parking_hourly';
export const parkingDailyMeasurement = 'parking_daily';
const hourMs = 3_600_000;

/**
 * Parking: hourly occupancy per lot, and per day its peak, busy hours and the spaces it
 * could share off-peak (services/standards/parking.ts defines them: capacity × 85 % less
 * occupied, the lowest over the night window, so a sharing agreement can promise them).
 */
/** When a lot can share: homes by day (residents are out), everyone else overnight (plan lines 1889-1897). */
function sharingWindow(lotKind: string): { fromHour: number; toHour: number } {
  return lotKind === 'residential' ? { fromHour: 9, toHour: 17 } : { fromHour: 19, toHour: 7 };
}

export const parkingRollup: FamilyRollup = {
  family: 'parking',
  rawRange: (window) => ({ fromMs: window.startMs, toMs: window.endMs }),
  alsoDirty: () => [],
  measurements: () => [parkingHourlyMeasurement, parkingDailyMeasurement],
  spans: (window) => daySpans(window, [parkingHourlyMeasurement, parkingDailyMeasurement]),
  compute(window, rowsByDevice, devices) {
    const points: Point[] = [];
    for (const device of devices) {
      const tags = deviceTags(device);
      const hours = bucketRows(rowsByDevice.get(device.id) ?? [], window.startMs, window.endMs, hourMs);
      const occupancy = hours.map((bucket) => meanOf(bucket, 'occupancy_pct'));
      const occupied = hours.map((bucket) => meanOf(bucket, 'occupied_spaces'));
      occupancy.forEach((pct, h) => {
        if (pct === null) return;
        // An hour with an occupancy and no count (rows written without occupied_spaces) gets no count: a null cannot be
        // written. A review mark of occupied_spaces takes the occupancy computed from it too (review/marked-fields.ts).
        const spaces = occupied[h];
        points.push({ measurement: parkingHourlyMeasurement, tags, fields: [['occupancy_pct', pct, 'float'], ...(spaces === null || spaces === undefined ? [] : [['occupied_spaces', spaces, 'float'] as const])], timeMs: window.startMs + h * hourMs });
      });
      if (occupancy.every((pct) => pct === null)) continue;
      const capacity = Number(device.attributes.capacity);
      const peaks = peakHours(occupancy);
      const window24 = sharingWindow(String(device.attributes.lotKind));
      const shareable = shareableSpaces(occupied, capacity, { window: window24 });
      points.push({
        measurement: parkingDailyMeasurement,
        tags,
        fields: [
          ['peak_occupancy_pct', peaks.peakOccupancyPct ?? 0, 'float'],
          ['peak_hours', peaks.peakHours.join(','), 'string'],
          ['busy_hours', peaks.busyHours.length, 'int'],
          ['shareable_offpeak_spaces', Math.floor(shareable.window?.spaces ?? 0), 'int'],
          ['sharing_window', `${window24.fromHour}-${window24.toHour}`, 'string'],
          ['mean_occupancy_pct', occupancy.filter((pct): pct is number => pct !== null).reduce((a, b) => a + b, 0) / occupancy.filter((pct) => pct !== null).length, 'float'],
        ],
        timeMs: window.startMs,
      });
    }
    return points;
  },
};
