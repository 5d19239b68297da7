// The stream's delta format (GET /api/v1/stream?format=delta; services/live/stream-delta.ts),
// turned back into the devices and tiles the panels read: the wall shows what it showed when every
// event was whole (issue 21 item 5: a lighter wire, nothing less on the screen).

const iso = (ms) => new Date(ms).toISOString();

/**
 * A `sync`: the whole picture as the platform last published it, each device with the gap between
 * its last two readings as the platform saw them (judged by it, model.js). Returns the ids it set.
 */
export function applySync(devices, picture, receivedAt) {
  const ids = [];
  for (const [id, dt, values, state, ageMs, gapMs] of picture.d ?? []) {
    const device = devices.get(id);
    if (!device) continue;
    Object.assign(device, { values, state, time: iso(picture.t + dt), receivedMs: receivedAt - ageMs });
    if (typeof gapMs === 'number') device.gapMs = gapMs;
    ids.push(id);
  }
  return ids;
}

/** One `delta` item ([id, dt, values?, state changes?, whole?]) applied to its device; null when the device is unknown. */
export function applyDeltaItem(devices, base, item, receivedAt) {
  const [id, dt, changed, stateChanges, whole] = item;
  const device = devices.get(id);
  if (!device) return null;
  let values = device.values;
  if (changed) {
    values = { ...values };
    for (const [key, value] of Object.entries(changed)) {
      if (value === null) delete values[key];
      else values[key] = value;
    }
  }
  let state = device.state;
  if (stateChanges) state = whole === 1 ? stateChanges : { ...state, ...stateChanges };
  // The gap it shows between readings: a device reporting more often than it registered is judged by
  // it (model.js). Between two readings only, never a reading and its repeat (the same time again);
  // an earlier stamp is another reading too (the first after one stamped ahead, which the platform
  // shows in its place: services/live/latest-reading.ts supersedes).
  // Between receipts (heardMs); the age counts from the measurement (receivedMs: its stamp, its
  // receipt when stamped ahead), as the platform counts it: a reading a logger held for three hours
  // is not fresh when it arrives (services/live/create-live.ts).
  const time = iso(base + dt);
  if (device.heardMs != null && receivedAt > device.heardMs && time !== device.time) device.gapMs = receivedAt - device.heardMs;
  Object.assign(device, { values, state, time, receivedMs: Math.min(receivedAt, base + dt), heardMs: receivedAt });
  return device;
}

/** Tiles that changed, put in place of the old ones by id (new ones at the end). */
export function mergeTiles(tiles, changed) {
  const byId = new Map(changed.map((tile) => [tile.id, tile]));
  const merged = tiles.map((tile) => byId.get(tile.id) ?? tile);
  for (const tile of changed) if (!tiles.some((old) => old.id === tile.id)) merged.push(tile);
  return merged;
}
