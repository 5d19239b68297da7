import { setTimeout as delay } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { getFamily, type FamilyId } from '../services/families/index.ts';
import { parseDeviceTime } from '../services/ingest/timestamps.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { connectDevice, disconnectDevice, type DeviceConnection } from './device-client.ts';
import { loadRecording, payloadOf, frameOf, type RecordedFrame, type RecordedMessage } from './recording.ts';
import { createFrameSender, frameShiftMs, retimeFrame } from './replay-frames.ts';

export interface ReplayOptions extends DeviceConnection {
  readonly path: string;
  readonly devices: ReadonlyMap<string, DeviceRecord>;
  /** ×N of recorded time; Infinity sends as fast as the broker acknowledges. */
  readonly speed: number;
  /** `original` keeps the recorded times; `now` shifts the recording so that it ends now. */
  readonly timestamps: 'original' | 'now';
  readonly families?: ReadonlySet<FamilyId>;
  readonly deviceIds?: ReadonlySet<string>;
  readonly now?: () => number;
  readonly onProgress?: (sent: number, total: number) => void;
  /** Stops the replay early (the platform's shutdown). */
  readonly signal?: AbortSignal;
  /** Where recorded HJ 212 frames go (the target's receiver); without it they are skipped. */
  readonly hj212Url?: { readonly host: string; readonly port: number };
}

export interface ReplayReport {
  readonly sent: number;
  readonly byDevice: Record<string, number>;
  readonly skipped: { readonly status: number; readonly filtered: number; readonly unknownDevice: number; readonly hj212?: number; readonly notConnected: number };
  /** Devices the broker did not let in (refused login, connection limit), with the reason: their messages are skipped. */
  readonly refusedDevices: Record<string, string>;
  /** Recorded devices (or HJ 212 stations' MNs) this registry does not hold, with their messages skipped: named, not only counted. */
  readonly unknownDevices: Record<string, number>;
  readonly timeShiftMs: number;
  readonly durationMs: number;
  /** The recording's last line was cut (an interrupted `record`): skipped, and why. */
  readonly tornTail?: string;
}

const maxInFlight = 1_000;
/** System errors that say no broker is there to ask, as against one that refused a device. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Gives every reading its timestamp explicitly (the recorded receive time when the device
 * sent none), shifted by `shiftMs`. Payloads that are not JSON are replayed as recorded.
 */
export function retimePayload(payload: Buffer, recordedAt: number, shiftMs: number): Buffer {
  let document: unknown;
  try {
    document = JSON.parse(payload.toString('utf8'));
  } catch {
    return payload; // a recorded malformed message stays malformed: it is part of what happened
  }
  const retime = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const raw = (item as { ts?: unknown }).ts;
    const ts = raw === undefined ? recordedAt : parseDeviceTime(raw);
    return ts === null ? item : { ...item, ts: ts + shiftMs };
  };
  return Buffer.from(JSON.stringify(Array.isArray(document) ? document.map(retime) : retime(document)));
}

/** Publishes a recording back, each message as its own device, paced by the recorded times. */
export async function replayRecording(options: ReplayOptions): Promise<ReplayReport> {
  const now = options.now ?? Date.now;
  const { messages, frames, tornTail } = await loadRecording(options.path);
  const skipped = { status: 0, filtered: 0, unknownDevice: 0, hj212: 0, notConnected: 0 };
  // Maps, not objects, for names from the recording and the registry: a station named `constructor`
  // found Object's own (red team 6: "function Object() { [native code] }1"), and `__proto__` vanished.
  const unknownDevices = new Map<string, number>();
  const unknown = (id: string) => {
    skipped.unknownDevice += 1;
    // At most 100 named: a recording of another district could name thousands.
    if (unknownDevices.has(id) || unknownDevices.size < 100) unknownDevices.set(id, (unknownDevices.get(id) ?? 0) + 1);
  };
  const wanted: Array<{ message: RecordedMessage | RecordedFrame; device: DeviceRecord }> = [];
  for (const frame of frames) {
    const device = options.devices.get(frame.station);
    if (!device) { unknown(frame.station); continue; }
    if ((options.families && !options.families.has(device.family)) || (options.deviceIds && !options.deviceIds.has(device.id))) { skipped.filtered += 1; continue; }
    if (!options.hj212Url) { skipped.hj212 += 1; continue; }
    wanted.push({ message: frame, device });
  }
  for (const message of messages) {
    const address = options.topics.parse(message.topic);
    if (address?.kind !== 'telemetry') { skipped.status += 1; continue; }
    if ((options.families && !options.families.has(address.family)) || (options.deviceIds && !options.deviceIds.has(address.deviceId))) { skipped.filtered += 1; continue; }
    const device = options.devices.get(address.deviceId);
    if (!device) { unknown(address.deviceId); continue; }
    wanted.push({ message, device });
  }
  // Frames and messages in recorded order.
  wanted.sort((a, b) => a.message.t - b.message.t);
  const first = wanted[0]?.message.t ?? 0;
  const last = wanted.at(-1)?.message.t ?? 0;
  const started = now();
  const timeShiftMs = options.timestamps === 'now' ? started - last : 0;
  // A device the broker does not let in is skipped with its reason, not retried forever: one
  // refused device (a rotated secret, the address's connection limit) neither stalls nor fails
  // the replay, and every client opened is closed however the replay ends.
  const clients = new Map<string, Promise<MqttClient | null>>();
  const refusedDevices = new Map<string, string>();
  let firstRefusal: unknown;
  // A broker that cannot be reached ends the replay at once; a device refused at the door (a
  // CONNACK code, a connection closed or reset before it: the address's limit) is skipped.
  let unreachable: Error | undefined;
  const clientFor = (device: DeviceRecord) => {
    if (!clients.has(device.id)) {
      clients.set(device.id, connectDevice(device, { ...options, tool: options.tool ?? 'replay' }, { reconnectPeriod: 1_000, retryFirstConnect: false }).catch((error: unknown) => {
        firstRefusal ??= error;
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && unreachableCodes.has(code) && error instanceof Error) unreachable ??= error;
        refusedDevices.set(device.id, `${error instanceof Error ? error.message : String(error)}${code !== undefined ? ` (${String(code)})` : ''}`);
        return null;
      }));
    }
    return clients.get(device.id)!;
  };
  const stations = options.hj212Url ? createFrameSender(options.hj212Url, options.fleetKey) : null;
  const byDevice = new Map<string, number>();
  const inFlight = new Set<Promise<unknown>>();
  let sent = 0;

  try {
    for (const { message, device } of wanted) {
      if (options.signal?.aborted || unreachable) break;
      if (Number.isFinite(options.speed)) {
        const wait = started + (message.t - first) / options.speed - now();
        if (wait > 0) await delay(wait, undefined, { signal: options.signal }).catch(() => undefined);
        if (options.signal?.aborted) break;
      }
      // The device's connection is awaited inside the publish, so that devices connect side by side.
      const publish = ('station' in message
        ? stations!.send(device.id, retimeFrame(frameOf(message), frameShiftMs(timeShiftMs), stations!.pwOf(device.id)))
        : clientFor(device).then((client) => {
          if (client === null) return void (skipped.notConnected += 1);
          return client.publishAsync(message.topic, retimePayload(payloadOf(message), message.t, timeShiftMs), { qos: getFamily(device.family).qos });
        })
      ).finally(() => inFlight.delete(publish));
      inFlight.add(publish);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      byDevice.set(device.id, (byDevice.get(device.id) ?? 0) + 1);
      sent += 1;
      if (sent % 1_000 === 0) options.onProgress?.(sent, wanted.length);
    }
    await Promise.all(inFlight);
    if (unreachable) throw unreachable;
  } finally {
    await stations?.close();
    await Promise.all([...clients.entries()].map(async ([id, pending]) => {
      const client = await pending;
      if (client) await disconnectDevice(client, options.devices.get(id)!, options.topics).catch(() => client.end(true));
    }));
  }
  // Not one device let in: the broker is not there or refuses this fleet; that is the replay's failure.
  if (refusedDevices.size > 0 && refusedDevices.size === clients.size) throw firstRefusal instanceof Error ? firstRefusal : new Error(String(firstRefusal));
  // A device never let in sent nothing: its messages count as skipped, not sent.
  for (const id of refusedDevices.keys()) {
    sent -= byDevice.get(id) ?? 0;
    byDevice.delete(id);
  }
  options.onProgress?.(sent, wanted.length);
  // Object.fromEntries defines each name as an own property, `__proto__` included.
  return { sent, byDevice: Object.fromEntries(byDevice), skipped, refusedDevices: Object.fromEntries(refusedDevices), unknownDevices: Object.fromEntries(unknownDevices), timeShiftMs, durationMs: now() - started, ...(tornTail ? { tornTail } : {}) };
}
