// What the screen knows: filled from /api/v1/live and the event stream, read by every panel.
export const model = {
  /** False until the first /api/v1/live answer: panels say 加载中 / Loading until then (issue 21). */
  loaded: false,
  devices: new Map(),
  streets: [],
  units: {},
  /** Each family's value keys named in both languages, from its module (/api/v1/live fieldLabels). */
  fieldLabels: {},
  intervals: {},
  tiles: [],
  tilesAtMs: null,
  alarms: new Map(),
  alarmsAtMs: null,
  /** When the platform was last heard (an answer or a stream event): what the silent list is judged as of. */
  heardAtMs: null,
  /** null until known: never "alarm engine not running" before the platform said so. */
  alarmsAvailable: null,
  sparks: new Map(),
  /** Family ids in the registry's order, and each one's presentation from its module (issue 25; families.js). */
  familyOrder: [],
  presentations: {},
};

// Late after two report intervals without a reading, silent after three (services/live/freshness.ts).
export const LATE_AFTER_INTERVALS = 2;
export const SILENT_AFTER_INTERVALS = 3;

export const ageOf = (device, now) => (device.receivedMs === null || device.receivedMs === undefined ? null : Math.max(0, now - device.receivedMs));

/**
 * The interval a device is judged late and silent by, the rule of services/live/freshness.ts
 * judgedIntervalMs (/api/v1/live's `judgedIntervalMs`): its registered interval (/live's
 * `reportIntervalMs`, the family's where it registers none), or the gap between its last two
 * readings when shorter, never below its family's. The gap comes from /live and the sync (the
 * platform's) and from each delta after (stream-delta.js), so every path judges by the same figures.
 */
export function judgedIntervalMs(device) {
  const family = model.intervals[device.family] ?? 60_000;
  const registered = device.reportIntervalMs ?? family;
  return typeof device.gapMs === 'number' && device.gapMs > 0 ? Math.min(registered, Math.max(device.gapMs, family)) : registered;
}

/**
 * fresh / late / silent, counted on the page so a station that stops reporting greys without a
 * refetch. Every panel asks this one function: the rows, the online tile, the silent list, the map.
 */
export function freshnessOf(device, now) {
  const age = ageOf(device, now);
  if (age === null) return 'silent';
  const interval = judgedIntervalMs(device);
  if (age > SILENT_AFTER_INTERVALS * interval) return 'silent';
  return age > LATE_AFTER_INTERVALS * interval ? 'late' : 'fresh';
}

export const ofFamily = (family) => [...model.devices.values()].filter((d) => d.family === family);

/** Devices with an open or acknowledged alarm: their rows stay in alarm while it lasts (issue 21). */
export function alarmingDevices() {
  const ids = new Map();
  for (const alarm of model.alarms.values()) {
    if (alarm.state === 'closed') continue;
    const worst = ids.get(alarm.deviceId);
    if (!worst || rankOf(alarm.severity) < rankOf(worst)) ids.set(alarm.deviceId, alarm.severity);
  }
  return ids;
}
const rankOf = (severity) => ({ critical: 0, warning: 1, info: 2 })[severity] ?? 3;

/** The newest receipt time among devices of a family (the panel's "updated"). */
export function familyUpdatedMs(family) {
  let newest = null;
  for (const d of model.devices.values()) if (d.family === family && d.receivedMs != null && (newest === null || d.receivedMs > newest)) newest = d.receivedMs;
  return newest;
}
