import { getJson, token } from './api.js';
import { alarmAction } from './alarm-actions.js';
import { createAlarmHistory } from './alarm-history.js';
import { createAlarmSound } from './alarm-sound.js';
import { SPARK_POINTS, SPARK_WINDOW_MS } from './dom.js';
import { applyLabels, currentLanguage, setLanguage, t } from './i18n.js';
import { createLink } from './link.js';
import { model } from './model.js';
import { airPanel } from './panel-air.js';
import { waterPanel } from './panel-water.js';
import { alarmsPanel, flashAlarm, relabelAlarmFilters, setupAlarmFilters, updateHiddenCount } from './panel-alarms.js';
import { gridPanel } from './panel-grid.js';
import { createMapPanel, findDevice } from './panel-map.js';
import { noisePanel } from './panel-noise.js';
import { parkingPanel } from './panel-parking.js';
import { silentPanel } from './panel-silent.js';
import { createTilesPanel } from './panel-tiles.js';
import { createGenericPanel } from './panel-generic.js';
import { headlineKey, takeFamilies } from './families.js';
import { createSeriesView } from './series.js';
import { createSignIn } from './session.js';
import { applyDeltaItem, applySync, mergeTiles } from './stream-delta.js';
import { createTileView } from './tile-view.js';
import { createFrames } from './frames.js';
import { drawClock, loadEventMarks } from './header-marks.js';
import { wireTokenDialog } from './token-dialog.js';
import { openOnPress } from './open-on-press.js';
import { learnServerClock, serverNow } from './clock.js';

const $ = (id) => document.getElementById(id);

function toast(text) {
  const element = $('toast');
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { element.hidden = true; }, 6_000);
}
function clearToast() {
  clearTimeout(toast.timer);
  $('toast').hidden = true;
}

const signIn = createSignIn({ dialog: $('signin-dialog'), form: $('signin-form'), input: $('signin-input'), error: $('signin-error'), submit: $('signin-submit') });
const seriesView = createSeriesView(() => model.units);
const tileView = createTileView({ dialog: $('tile-dialog'), title: $('tile-title'), body: $('tile-body'), closeButton: $('tile-close') });
const history = createAlarmHistory({ dialog: $('history-dialog'), list: $('history-list'), closeButton: $('history-close'), toast });
const sound = createAlarmSound($('alarm-sound'));
// A stream that stays open but carries nothing (a hung platform) is closed and opened again.
const link = createLink({ banner: $('banner'), text: $('banner-text'), indicator: $('link'), indicatorText: $('link-text'), onQuiet: () => reconnectQuiet() });
const tilesPanel = createTilesPanel((tile) => tileView.open(tile, tilesPanel.liveCount(tile, serverNow()), serverNow()));
let mapPanel = null;
// Families the hand-written panels draw; every other family gets the generic panel (issue 25, item 3).
const handWritten = new Set([airPanel, waterPanel, gridPanel, parkingPanel, noisePanel].flatMap((panel) => panel.families));
const genericPanel = createGenericPanel({ tabs: $('generic-tabs'), summary: $('generic-summary'), handWritten });

// Every panel is one module with { id, families, render(container, now) }: a view is added by
// adding its module here and its <article> in index.html (issue 21: the events view comes next).
const panels = () => [tilesPanel, airPanel, waterPanel, gridPanel, parkingPanel, noisePanel, genericPanel, silentPanel, alarmsPanel, ...(mapPanel ? [mapPanel] : [])];

for (const panel of ['air', 'water', 'grid', 'parking', 'noise', 'generic', 'silent']) openOnPress($(panel), (device) => seriesView.open(device));

// Updates touch only what changed: a panel is redrawn when one of its families (or the alarms)
// changed, and within it only the rows whose content changed, in place (dom.js reconcile); all of
// it in one frame with the clock (frames.js), so the page is laid out once for it.
const frames = createFrames(drawFrame);
const markDirty = (...ids) => frames.mark(...ids);
const markAll = () => markDirty(...panels().map((p) => p.id));
const markFamily = (family) => markDirty(...panels().filter((p) => p.families.includes(family)).map((p) => p.id));

// The map is one canvas drawn whole: at most every 3 s.
const MAP_EVERY_MS = 3_000;
let mapDrawnMs = 0;
let mapTimer = null;
// Freshness and ages are judged as of one instant, moved every 5 s for every panel at once (tick):
// a panel redrawn alone in between (the tiles on a stream event) judges as the others did, so a
// tile, a row and the silent list never say two things of one device (audit of issue 21).
let judgedAtMs = serverNow();
function drawFrame(ids, now) {
  drawClock($('clock'), serverNow());
  for (const panel of panels()) {
    if (!ids.has(panel.id)) continue;
    if (panel.id === 'map' && now - mapDrawnMs < MAP_EVERY_MS) {
      mapTimer ??= setTimeout(() => { mapTimer = null; markDirty('map'); }, MAP_EVERY_MS - (now - mapDrawnMs));
      continue;
    }
    if (panel.id === 'map' && model.loaded) mapDrawnMs = now;
    panel.render(panel.element ?? $(panel.id), judgedAtMs);
  }
  // Measured after every write of the frame, so the page is laid out once (the counts change only
  // when what is below the fold does). The other families' rows below the fold are counted too
  // (wall2: 23 of 24 chargers out of view, no word of it).
  updateHiddenCount($('alarms'), $('alarms-more'));
  updateHiddenCount($('generic'), $('generic-more'));
}

function takeAlarm(alarm, kind) {
  if (!alarm?.id) return;
  const known = model.alarms.has(alarm.id);
  model.alarms.set(alarm.id, alarm);
  model.alarmsAtMs = serverNow();
  if (kind === 'opened' && !known && alarm.severity === 'critical' && model.loaded) {
    flashAlarm(alarm.id);
    sound.ring();
    setTimeout(() => markDirty('alarms'), 15_500);
  }
  markDirty('alarms', 'map', ...panels().filter((p) => p.id !== 'map' && p.families.includes(alarm.family)).map((p) => p.id));
  // An alarm is on the wall at once (issue 21: 0.22 s after its reading), not in the readings' next
  // frame, and on the map too (its 3-s redraw limit is for readings; alarms are rare).
  mapDrawnMs = 0;
  clearTimeout(takeAlarm.timer);
  takeAlarm.timer = setTimeout(() => frames.now(), 0);
}

async function act(alarm, action) {
  const answer = await alarmAction(alarm, action, { toast, clearToast });
  if (answer) takeAlarm(answer, action);
}

function locate(deviceId) {
  mapPanel?.locate(deviceId);
}

async function loadLive() {
  const sentAt = Date.now();
  const live = await getJson('/api/v1/live');
  // Ages and times on the platform's clock, whatever the browser's says (clock.js).
  learnServerClock(Date.parse(live.generatedAt), sentAt, Date.now());
  const receivedAt = serverNow();
  model.streets = live.streets;
  model.tiles = live.tiles;
  model.tilesAtMs = live.tilesAt ? Date.parse(live.tilesAt) : null;
  const before = new Map(model.devices);
  model.devices.clear();
  takeFamilies(live.families);
  for (const group of live.families) {
    model.units[group.family] = group.units;
    model.intervals[group.family] = group.reportIntervalMs;
    for (const device of group.devices) {
      const entry = { ...device, family: group.family, receivedMs: device.ageMs === null ? null : receivedAt - device.ageMs };
      // A device the delta stream has given keeps the stream's reading: its deltas are counted from it,
      // and so is the gap it shows (the platform's where the stream has seen none: model.js judgedIntervalMs).
      const streamed = streamedIds.has(device.id) ? before.get(device.id) : undefined;
      if (streamed) Object.assign(entry, { values: streamed.values, state: streamed.state, time: streamed.time, receivedMs: streamed.receivedMs, heardMs: streamed.heardMs, gapMs: streamed.gapMs ?? device.gapMs });
      model.devices.set(device.id, entry);
    }
  }
  model.alarms = new Map(live.alarms.map((a) => [a.id, a]));
  model.alarmsAtMs = receivedAt;
  model.alarmsAvailable = live.alarmEngine;
  model.heardAtMs = receivedAt;
  model.loaded = true;
  relabelAlarmFilters();
  markAll();
}

/** /api/v1/live, after signing in again whenever it is refused (a session that ended or was revoked). */
async function loadLiveSignedIn() {
  for (;;) {
    try {
      return await loadLive();
    } catch (error) {
      if (error.status !== 401) throw error;
      await signIn.required();
    }
  }
}

/** The field a device's sparkline follows: PM2.5 for the air panel, the headline of a generically drawn family. */
const sparkField = (d) => (d.family === 'air' ? 'pm25' : handWritten.has(d.family) ? null : headlineKey(d));

async function loadSparks() {
  const to = new Date(serverNow());
  const from = new Date(to.getTime() - SPARK_WINDOW_MS);
  await Promise.all([...model.devices.values()].filter((d) => sparkField(d) !== null).map(async (d) => {
    const query = new URLSearchParams({ device: d.id, field: sparkField(d), from: from.toISOString(), to: to.toISOString(), points: String(SPARK_POINTS) });
    const answer = await getJson(`/api/v1/series?${query}`).catch(() => null);
    // Each bucket's highest reading: a spike the alarms saw shows in the sparkline too.
    if (answer) model.sparks.set(d.id, answer.points.map((p) => ({ t: Date.parse(p.time), v: p.max ?? p.value })));
  }));
  markDirty('air', 'generic');
}

/** A reading applied to its device: its sparkline takes the followed value, its panel is redrawn. */
function tookReading(device) {
  const field = sparkField(device);
  if (field !== null && typeof device.values[field] === 'number') {
    const spark = model.sparks.get(device.id) ?? [];
    // At the reading's own time, as the fetched buckets are; at its receipt where it has none.
    spark.push({ t: (device.time ? Date.parse(device.time) : NaN) || (device.receivedMs ?? serverNow()), v: device.values[field] });
    if (spark.length > SPARK_POINTS * 4) spark.splice(0, spark.length - SPARK_POINTS * 4);
    model.sparks.set(device.id, spark);
  }
  markFamily(device.family);
}

// Devices whose reading came from the delta stream (issue 21 item 5): /live refetches leave it alone.
const streamedIds = new Set();

function takeDelta(event) {
  const now = serverNow();
  for (const item of event.d) {
    const device = applyDeltaItem(model.devices, event.t, item, now);
    if (!device) continue;
    streamedIds.add(device.id);
    tookReading(device);
  }
}

function takeSync(picture) {
  for (const id of applySync(model.devices, picture, serverNow())) streamedIds.add(id);
  if (Array.isArray(picture.tiles)) {
    model.tiles = picture.tiles;
    if (picture.tilesAt) model.tilesAtMs = Date.parse(picture.tilesAt);
  }
  if (Array.isArray(picture.alarms)) {
    model.alarms = new Map(picture.alarms.map((alarm) => [alarm.id, alarm]));
    model.alarmsAtMs = serverNow();
  }
  markAll();
}

let source = null;
/** Opens the stream; `refetch`: the stream was lost, so /live is read again once it is back. */
function connect(refetch = false) {
  if (source) return;
  // The delta format: a whole picture (sync) first, then only what changed, gzip on the wire (issue 21 item 5).
  source = new EventSource('/api/v1/stream?format=delta');
  const mine = source;
  let dropped = refetch;
  mine.addEventListener('open', () => {
    link.up();
    // Back after a drop: what was missed beyond the replay ring is refetched whole.
    if (dropped) void loadLive().catch(() => undefined);
    dropped = false;
  });
  mine.addEventListener('error', () => {
    dropped = true;
    link.down();
    // A dropped connection is retried by the EventSource itself; an answer that is not a stream
    // (401 once the session ended or was revoked) closes it for good: sign in again, reconnect.
    if (mine.readyState === EventSource.CLOSED && source === mine) {
      source = null;
      void reopen();
    }
  });
  const heard = (handler) => (event) => { link.heard(); model.heardAtMs = serverNow(); handler(event); };
  mine.addEventListener('sync', heard((event) => takeSync(JSON.parse(event.data))));
  mine.addEventListener('delta', heard((event) => takeDelta(JSON.parse(event.data))));
  mine.addEventListener('tiles', heard((event) => { model.tiles = mergeTiles(model.tiles, JSON.parse(event.data)); model.tilesAtMs = serverNow(); markDirty('tiles'); }));
  mine.addEventListener('alarm', heard((event) => { const change = JSON.parse(event.data); takeAlarm(change.alarm, change.kind); }));
  mine.addEventListener('heartbeat', heard(() => undefined));
  // A reset (the registry changed, or missed events are gone): /live is the truth, every device's
  // reading and state included, even those the stream gave (a device moved to another family kept
  // its old family's state from the stream).
  mine.addEventListener('reset', heard(() => { streamedIds.clear(); void loadLive().catch(() => undefined); }));
}

function disconnect() {
  source?.close();
  source = null;
  // The next connection starts with a sync: until then /live's readings are the freshest known.
  streamedIds.clear();
}

/** The stream is open but silent past the heartbeats (a hung platform): a new one is asked for. */
function reconnectQuiet() {
  if (document.hidden || !source) return;
  disconnect();
  connect(true);
}

async function reopen() {
  for (;;) {
    try {
      await signIn.ensure();
      await loadLiveSignedIn();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
  connect();
}

// Issue 21 (weight): a hidden tab takes no stream; shown again, it refetches and reconnects.
// Nothing is drawn while hidden either (frames.js); shown again, the clock and what changed are.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    disconnect();
    return;
  }
  tick();
  frames.resume();
  if (!model.loaded) return;
  void loadLiveSignedIn().catch(() => undefined).then(connect);
});

let lastJudged = -1;
function tick() {
  if (document.hidden) return;
  const now = serverNow();
  // The link counts its own timers on the browser's clock (link.js).
  link.tick(Date.now());
  // Ages and freshness move with the clock: rows are re-judged every 5 s (only changed rows are
  // redrawn); the clock's second is drawn by the next frame, with whatever else changed.
  if (Math.floor(now / 5_000) !== lastJudged) {
    lastJudged = Math.floor(now / 5_000);
    judgedAtMs = now;
    markAll();
  } else markDirty('clock');
}

function relabel() {
  applyLabels();
  document.title = `${t('subtitle')} · ${t('title')}`;
  const button = $('token-button');
  button.classList.toggle('set', Boolean(token.get()));
  button.textContent = t(token.get() ? 'tokenSet' : 'token');
  sound.relabel();
  relabelAlarmFilters();
  link.tick(Date.now());
  // The whole page changes language at once, never half in each until the next update (the map too).
  mapDrawnMs = 0;
  frames.now(...panels().map((p) => p.id));
}

function wireControls() {
  for (const id of ['language-button', 'signin-language']) {
    $(id).addEventListener('click', () => {
      setLanguage(currentLanguage() === 'en' ? 'zh' : 'en');
      relabel();
    });
  }
  wireTokenDialog({ toast, clearToast, onAccepted: relabel });
  $('alarm-history').addEventListener('click', () => void history.open());
  $('alarms').addEventListener('scroll', () => updateHiddenCount($('alarms'), $('alarms-more')), { passive: true });
  $('alarms-more').addEventListener('click', () => $('alarms').scrollBy({ top: $('alarms').clientHeight * 0.8 }));
  $('generic').addEventListener('scroll', () => updateHiddenCount($('generic'), $('generic-more')), { passive: true });
  $('generic-more').addEventListener('click', () => $('generic').scrollBy({ top: $('generic').clientHeight * 0.8 }));
  // A filter the operator picks applies at once, not with the next batch of readings.
  setupAlarmFilters({ act, locate, rerender: () => markDirty('alarms') }, () => frames.now('alarms'));
  $('map-search').addEventListener('submit', (event) => {
    event.preventDefault();
    const device = findDevice($('map-search-input').value);
    if (!device) return toast(t('notFound'));
    locate(device.id);
  });
}

async function main() {
  setLanguage(currentLanguage());
  wireControls();
  mapPanel = createMapPanel($('map'), (device) => seriesView.open(device));
  genericPanel.onPick = () => frames.now('generic');
  relabel();
  setInterval(tick, 1_000);
  // With WX_API_READ_ACCESS=token the screen signs in first (nothing to do when reads are open).
  await signIn.ensure();
  await loadLiveSignedIn();
  connect();
  void loadSparks();
  // Ages are counted on the page and readings come on the delta stream (a sync on every connect);
  // /live is refetched every 2 minutes for what the stream does not carry (presence, the registry's
  // devices, the alarm list checked whole), not every 30 s (issue 21 item 5: 13 KB each time).
  setInterval(() => { if (!document.hidden) void loadLiveSignedIn().catch(() => undefined); }, 120_000);
  setInterval(() => { if (!document.hidden) void loadSparks(); }, 600_000);
  // Issue 23, item 4: late and escalated events marked on the wall (counts only; the desk has the rest).
  void loadEventMarks($('desk-overdue'));
  setInterval(() => { if (!document.hidden) void loadEventMarks($('desk-overdue')); }, 30_000);
}

// echarts.min.js is a deferred classic script, run before this module: both wait for the document.
main().catch(() => toast(t('platformUnreachable')));
