import { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarm-types.ts';
import { withoutNames } from '../people/names-shown.ts';
import { evaluateCompliance, type ComplianceReport } from '../compliance/compliance.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import { familyIds, getFamily, type FamilyId } from '../families/index.ts';
import { measuredByMs, replaces, type Reading } from '../ingest/reading.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { beijingDay } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { deviceState, noDataState, type DeviceState, type StateThresholds } from './device-state.ts';
import { freshnessAfter, judgedIntervalMs } from './freshness.ts';
import { presentationOf } from './family-presentation.ts';
import { deviceReportIntervalMs } from '../registry/report-interval.ts';
import { createStreamHub, matches, type StreamFilter, type StreamHub, type StreamKey } from './stream-hub.ts';
import { createDeltaBook, type DeltaItem } from './stream-delta.ts';
import { buildTiles, type Tile } from './tiles.ts';
import { seedLatest } from './seed-latest.ts';
import { createRegistryFollower } from './registry-follower.ts';
import { createLiveMarks } from './live-marks.ts';
import type { ReviewSource } from '../rollups/review-overlay.ts';
import type { LatestReading } from './latest-reading.ts';
import { fieldLabelsOf, unitsOf, type DeviceLive, type LiveSnapshot } from './live-snapshot.ts';
import { defaultLiveOptions, type LiveOptions } from './live-options.ts';

export type { LatestReading } from './latest-reading.ts';
export type { DeviceLive, LiveSnapshot } from './live-snapshot.ts';
export { defaultLiveOptions, type LiveOptions } from './live-options.ts';

export interface LiveDeps {
  readonly registry: DeviceRegistry;
  readonly influx: InfluxClient;
  readonly targets: TargetsFile;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly isOnline: (deviceId: string) => boolean;
  readonly thresholds: StateThresholds;
  /** The officers' review marks, when the platform keeps them: what a mark in force covers is not shown. */
  readonly review?: ReviewSource;
  /** The alarm engine, when the platform runs one. */
  readonly alarms?: () => AlarmService | undefined;
  readonly options?: Partial<LiveOptions>;
  readonly now?: () => number;
}

export interface Live {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Every accepted reading: O(1), never throws, never waits (ingest calls it before the PUBACK). */
  observe(reading: Reading): void;
  snapshot(filter?: { family?: FamilyId; street?: string }): LiveSnapshot;
  readonly hub: StreamHub;
  /** The grid's load bands the states are judged by (the series chart draws them). */
  readonly thresholds: StateThresholds;
  streetOf(deviceId: string): string | undefined;
}


/** Latest reading per device, its state and freshness, the district tiles and the event stream, all in memory. */
export function createLive(deps: LiveDeps): Live {
  const options = { ...defaultLiveOptions, ...deps.options };
  const now = deps.now ?? Date.now;
  const latest = new Map<string, LatestReading>();
  /** The last gap between two readings' receipt, per device (ms). */
  const gapOf = new Map<string, number>();
  const states = new Map<string, DeviceState>();
  const pending = new Set<string>();
  let tiles: Tile[] = [];
  let tilesAt: number | null = null;
  let tilesText = '';
  let report: ComplianceReport | null = null;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | undefined;
  const registers = [deps.metrics.registry];
  const dropped = new Counter({ name: 'wanxiang_stream_clients_dropped_total', help: 'Event-stream clients dropped (slow: unsent bytes over the bound; full: too many clients).', labelNames: ['reason'], registers });
  // Issue 21 item 5: what delta-format clients hold, so each event carries only what changed.
  const book = createDeltaBook();
  const marks = createLiveMarks(deps.review);
  /** A reading as shown: without the fields a review mark in force over its time takes out. */
  const shown = (device: DeviceRecord, reading: LatestReading): LatestReading =>
    ({ ...reading, values: marks.shown(device, reading.timeMs, reading.values) });
  const syncOf = (filter: StreamFilter) => {
    const wanted = (id: string) => {
      const device = deps.registry.device(id);
      return device !== undefined && !device.disabled && matches(filter, key(device));
    };
    // Open and acknowledged alarms too: one raised between a page's /live and its stream is not missed.
    const engine = deps.alarms?.();
    const alarms = engine ? [...engine.list({ state: 'open' }), ...engine.list({ state: 'acknowledged' })]
      .filter((alarm) => matches(filter, { family: alarm.family, street: deps.registry.device(alarm.deviceId)?.street })) : null;
    return { ...book.sync(wanted, now(), (id) => gapOf.get(id) ?? null), tiles, tilesAt: tilesAt === null ? null : new Date(tilesAt).toISOString(), alarms };
  };
  // An anonymous client's alarms name roles, not people (services/people/names-shown.ts).
  const hub = createStreamHub({ ...options, onDrop: (reason) => dropped.inc({ reason }), syncOf, anonymousView: withoutNames });
  new Gauge({ name: 'wanxiang_stream_clients', help: 'Event-stream clients connected now.', registers, collect() { this.set(hub.clients); } });
  const period = () => `${beijingDay(now()).slice(0, 4)}-YTD`;

  const key = (device: DeviceRecord): StreamKey => ({ family: device.family, street: device.street });

  const flush = () => {
    if (pending.size === 0) return;
    const items: unknown[] = [];
    const deltas: DeltaItem[] = [];
    const keys: StreamKey[] = [];
    let base: number | undefined;
    for (const id of pending) {
      const device = deps.registry.device(id);
      const stored = latest.get(id);
      if (!device || !stored) continue;
      const reading = shown(device, stored);
      const state = deviceState(device, reading.values, reading.timeMs, deps.thresholds);
      states.set(id, state);
      items.push({ id, family: device.family, street: device.street, time: new Date(reading.timeMs).toISOString(), values: reading.values, state });
      base ??= reading.timeMs;
      deltas.push(book.take(id, reading, state, base));
      keys.push(key(device));
    }
    pending.clear();
    if (items.length > 0) hub.publish('readings', items, keys, { base, items: deltas });
  };

  const refreshTiles = () => {
    const at = now();
    const freshness = (device: DeviceRecord) => {
      const reading = latest.get(device.id);
      return freshnessAfter(judgedIntervalMs(device, gapOf.get(device.id)), reading ? Math.max(0, at - measuredByMs(reading)) : null);
    };
    const values = new Map<string, LatestReading>();
    for (const [id, reading] of latest) {
      const device = deps.registry.device(id);
      if (device) values.set(id, shown(device, reading));
    }
    tiles = buildTiles({ devices: deps.registry.devices, states, latest: values, freshness, report, period: period(), targets: deps.targets });
    tilesAt = at;
    const text = JSON.stringify(tiles);
    if (text !== tilesText) {
      // Delta clients are sent only the tiles that changed (merged by id on the page).
      const before = new Map((JSON.parse(tilesText || '[]') as Tile[]).map((tile) => [tile.id, JSON.stringify(tile)]));
      const changed = tiles.filter((tile) => before.get(tile.id) !== JSON.stringify(tile));
      tilesText = text;
      hub.publish('tiles', tiles, null, { payload: changed });
    }
  };

  // Every state judged again and recounted (the registry or the review marks changed): delta clients
  // are brought along unsent, and a reset has them fetch /live whole.
  const judgeAgain = () => {
    for (const [id, stored] of latest) {
      const device = deps.registry.device(id);
      if (!device) continue;
      const reading = shown(device, stored);
      const state = deviceState(device, reading.values, reading.timeMs, deps.thresholds);
      states.set(id, state);
      book.take(id, reading, state, reading.timeMs);
    }
    refreshTiles();
  };
  // A registry change is on the wall within a flush (red team of the wall: a disabled station stayed
  // "live" with its AQI, and the online tile read 147 / 147 under a target of 146, until the page's
  // 2-minute refetch). Readings that no longer stand for their device are dropped; every other
  // state is judged again (a section's target class, a road's zone, a transformer's kVA may have
  // changed), the tiles recounted, and the pages told to fetch /live again.
  const follower = createRegistryFollower(deps.registry);
  const followRegistry = () => {
    const change = follower.changes();
    if (!change) return;
    flush();
    for (const id of change.ended) {
      latest.delete(id);
      states.delete(id);
      gapOf.delete(id);
      book.forget(id);
    }
    judgeAgain();
    hub.publish('reset', { reason: 'the device registry changed: fetch /api/v1/live' }, null);
  };
  const refreshMarks = async () => {
    try {
      if (!(await marks.refresh())) return;
      flush();
      judgeAgain();
      hub.publish('reset', { reason: 'the review marks changed: fetch /api/v1/live' }, null);
    } catch (error) {
      deps.log.warn({ err: error }, 'live: review marks not read; the previous marks stay');
    }
  };

  const refreshCompliance = async () => {
    try {
      report = await evaluateCompliance({ influx: deps.influx, registry: deps.registry, targets: deps.targets, now: now() }, period());
      refreshTiles();
    } catch (error) {
      deps.log.warn({ err: error }, 'district tiles: compliance not refreshed; the previous figures stay');
    }
  };

  // A reading not yet summarised (the flush runs on its timer) is judged now, so /live is never behind.
  const stateOf = (device: DeviceRecord, reading: LatestReading | undefined): DeviceState => {
    if (!reading) return noDataState;
    if (!pending.has(device.id) && states.has(device.id)) return states.get(device.id)!;
    return deviceState(device, shown(device, reading).values, reading.timeMs, deps.thresholds);
  };

  const deviceLive = (device: DeviceRecord, at: number): DeviceLive => {
    const reading = latest.get(device.id);
    // The measurement's age (its stamp; its receipt when stamped ahead): a reading a logger held for
    // three hours is three hours old when it arrives, as it is once seeded after a restart.
    const ageMs = reading ? Math.max(0, at - measuredByMs(reading)) : null;
    const gapMs = gapOf.get(device.id);
    const judged = judgedIntervalMs(device, gapMs);
    return {
      id: device.id, site: device.site, siteName: device.siteName, street: device.street, lat: device.lat, lon: device.lon,
      online: deps.isOnline(device.id),
      time: reading ? new Date(reading.timeMs).toISOString() : null,
      // The registered interval as registered, and the one freshness is counted in beside it: the page
      // judges by the same rule from the same figures (services/screen/model.js judgedIntervalMs).
      ageMs, reportIntervalMs: deviceReportIntervalMs(device), gapMs: gapMs ?? null, judgedIntervalMs: judged, freshness: freshnessAfter(judged, ageMs),
      values: reading ? shown(device, reading).values : {}, state: stateOf(device, reading), attributes: device.attributes,
    };
  };

  return {
    hub,
    thresholds: deps.thresholds,
    streetOf: (deviceId) => deps.registry.device(deviceId)?.street,
    async start() {
      const seeded = await seedLatest(deps.influx, deps.registry, now()).catch((error: unknown) => {
        deps.log.warn({ err: error }, 'live: latest readings not seeded from InfluxDB; the screen fills as readings arrive');
        return { latest: new Map<string, LatestReading>(), gaps: new Map<string, number>() };
      });
      await refreshMarks();
      for (const [id, reading] of seeded.latest) if (!latest.has(id)) {
        latest.set(id, reading);
        if (seeded.gaps.has(id)) gapOf.set(id, seeded.gaps.get(id)!);
        pending.add(id);
      }
      flush();
      refreshTiles();
      timers.push(setInterval(() => { followRegistry(); flush(); }, options.flushMs));
      timers.push(setInterval(() => { followRegistry(); refreshTiles(); void refreshMarks(); }, options.tilesMs));
      timers.push(setInterval(() => void refreshCompliance(), options.complianceMs));
      timers.push(setInterval(() => hub.heartbeat(), options.heartbeatMs));
      void refreshCompliance();
      const alarms = deps.alarms?.();
      unsubscribe = alarms?.onChange((change) => {
        hub.publish('alarm', change, { family: change.alarm.family, street: deps.registry.device(change.alarm.deviceId)?.street });
      });
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      timers.length = 0;
      unsubscribe?.();
      hub.closeAll();
    },
    observe(reading) {
      const previous = latest.get(reading.deviceId);
      // The latest received, never one measured before it; a reading stamped ahead counts at its
      // receipt (red team 11: one 5 min ahead froze a station until its clock caught up).
      if (previous && !replaces(reading, previous)) return;
      // Updated in place: this runs for every reading, and the entry is only read when summaries or snapshots are built.
      if (previous) {
        // The gap between receipts, for the interval a device is judged by (freshness.ts judgedIntervalMs),
        // between two readings, never a reading and its repeat (an MQTT QoS 1 redelivery, DUP=1, MQTT-3.3.1-1,
        // carries the same time): 50 ms between the two made a 5-minute station late after 2 minutes.
        // Another stamp is another reading, an earlier one too (the first after a reading stamped ahead).
        const gap = reading.receivedAtMs - previous.receivedAtMs;
        if (gap > 0 && reading.timeMs !== previous.timeMs) gapOf.set(reading.deviceId, gap);
        const entry = previous as { -readonly [K in keyof LatestReading]: LatestReading[K] };
        entry.timeMs = reading.timeMs;
        entry.receivedAtMs = reading.receivedAtMs;
        entry.values = reading.values;
      } else latest.set(reading.deviceId, { timeMs: reading.timeMs, receivedAtMs: reading.receivedAtMs, values: reading.values });
      pending.add(reading.deviceId);
    },
    snapshot(filter = {}) {
      followRegistry();
      const at = now();
      const families = familyIds.filter((id) => !filter.family || id === filter.family).map((family) => ({
        family,
        title: getFamily(family).title,
        reportIntervalMs: getFamily(family).reportIntervalMs,
        units: unitsOf(family),
        fieldLabels: fieldLabelsOf(family),
        presentation: presentationOf(family),
        devices: deps.registry.devices
          .filter((device) => device.family === family && !device.disabled && (!filter.street || device.street === filter.street))
          .map((device) => deviceLive(device, at)),
      }));
      return {
        generatedAt: new Date(at).toISOString(),
        district: deps.registry.district,
        streets: deps.registry.file.streets,
        families, tiles, tilesAt: tilesAt === null ? null : new Date(tilesAt).toISOString(),
      };
    },
  };
}
