import { getJson, token } from './api.js';
import { renderAlarms } from './alarms.js';
import { h } from './dom.js';
import { applyLabels, currentLanguage, setLanguage, t } from './i18n.js';
import { createMap } from './map.js';
import { renderAir, renderGrid, renderNoise, renderParking, renderSilent, renderWater } from './panels.js';
import { createSeriesView } from './series.js';
import { createSignIn } from './session.js';
import { renderTiles } from './tiles.js';

// Everything the screen shows, kept up to date from /api/v1/live and the event stream.
const model = {
  devices: new Map(), streets: [], units: {}, tiles: [], alarms: new Map(), sparks: new Map(), alarmsAvailable: false,
};
const $ = (id) => document.getElementById(id);
const SPARK_POINTS = 96;

function toast(text) {
  const element = $('toast');
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { element.hidden = true; }, 4_000);
}

const signIn = createSignIn({ dialog: $('signin-dialog'), form: $('signin-form'), input: $('signin-input'), error: $('signin-error'), submit: $('signin-submit') });
const seriesView = createSeriesView(() => model.units);
const open = (device) => seriesView.open(device);
let map = null;

const ofFamily = (family) => [...model.devices.values()].filter((d) => d.family === family);

/**
 * Opens a device's series from its panel. The panels are redrawn on every update, so the row
 * pressed may be replaced before the button is released, and a click on it would land on the
 * panel instead: the device is taken from the press and opened on the release over the same
 * device. A touch that turns into a scroll ends in pointercancel and opens nothing.
 */
function openOnPress(container) {
  let pressed = null;
  const deviceAt = (event) => event.target.closest?.('[data-device]')?.dataset.device ?? null;
  container.addEventListener('pointerdown', (event) => { pressed = deviceAt(event); });
  container.addEventListener('pointercancel', () => { pressed = null; });
  container.addEventListener('pointerup', (event) => {
    const id = deviceAt(event);
    const device = id !== null && id === pressed ? model.devices.get(id) : undefined;
    pressed = null;
    if (device) open(device);
  });
}
for (const panel of ['air', 'water', 'grid', 'parking', 'noise', 'silent']) openOnPress($(panel));

function render() {
  renderTiles($('tiles'), model.tiles);
  renderAir($('air'), ofFamily('air'), model.sparks);
  renderWater($('water'), ofFamily('water'));
  renderGrid($('grid'), ofFamily('grid'));
  renderParking($('parking'), ofFamily('parking'));
  renderNoise($('noise'), ofFamily('noise'));
  renderSilent($('silent'), $('silent-count'), [...model.devices.values()]);
  renderAlarms($('alarms'), $('alarm-count'), model.alarms, model.devices, model.alarmsAvailable, takeAlarm, toast);
  const alarming = new Set([...model.alarms.values()].filter((a) => a.state === 'open').map((a) => a.deviceId));
  map?.render([...model.devices.values()], model.streets, alarming);
}

// Renders are coalesced: a burst of events repaints once.
let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  setTimeout(() => { pending = false; render(); }, 150);
}

function takeAlarm(alarm) {
  if (alarm && alarm.id) model.alarms.set(alarm.id, alarm);
  schedule();
}

async function loadLive() {
  const live = await getJson('/api/v1/live');
  model.streets = live.streets;
  model.tiles = live.tiles;
  model.devices.clear();
  for (const group of live.families) {
    model.units[group.family] = group.units;
    for (const device of group.devices) model.devices.set(device.id, { ...device, family: group.family });
  }
  model.alarms = new Map(live.alarms.map((a) => [a.id, a]));
  model.alarmsAvailable = live.alarmEngine;
  schedule();
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

async function loadSparks() {
  const to = new Date();
  const from = new Date(to.getTime() - 86_400_000);
  await Promise.all(ofFamily('air').map(async (d) => {
    const query = new URLSearchParams({ device: d.id, field: 'pm25', from: from.toISOString(), to: to.toISOString(), points: String(SPARK_POINTS) });
    const answer = await getJson(`/api/v1/series?${query}`).catch(() => null);
    if (answer) model.sparks.set(d.id, answer.points.map((p) => p.value));
  }));
  schedule();
}

function takeReadings(items) {
  for (const item of items) {
    const device = model.devices.get(item.id);
    if (!device) continue;
    Object.assign(device, { values: item.values, state: item.state, time: item.time, ageMs: 0, freshness: 'fresh' });
    if (device.family === 'air' && typeof item.values.pm25 === 'number') {
      const spark = model.sparks.get(device.id) ?? [];
      spark.push(item.values.pm25);
      if (spark.length > SPARK_POINTS * 4) spark.splice(0, spark.length - SPARK_POINTS * 4);
      model.sparks.set(device.id, spark);
    }
  }
  schedule();
}

function connect() {
  const source = new EventSource('/api/v1/stream');
  let dropped = false;
  const link = (up) => {
    $('link').classList.toggle('up', up);
    $('link-text').dataset.i18n = up ? 'connected' : 'reconnecting';
    $('link-text').textContent = t(up ? 'connected' : 'reconnecting');
  };
  source.addEventListener('open', () => {
    link(true);
    // Back after a drop: what was missed beyond the replay ring is refetched whole.
    if (dropped) void loadLive().catch(() => undefined);
    dropped = false;
  });
  source.addEventListener('error', () => {
    dropped = true;
    link(false);
    // A dropped connection is retried by the EventSource itself; an answer that is not a stream
    // (401 once the session ended or was revoked) closes it for good: sign in again, reconnect.
    if (source.readyState === EventSource.CLOSED) void reopen();
  });
  source.addEventListener('readings', (event) => takeReadings(JSON.parse(event.data)));
  source.addEventListener('tiles', (event) => { model.tiles = JSON.parse(event.data); schedule(); });
  source.addEventListener('alarm', (event) => takeAlarm(JSON.parse(event.data).alarm));
  source.addEventListener('reset', () => void loadLive().catch(() => undefined));
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

function tick() {
  const language = currentLanguage() === 'en' ? 'en-GB' : 'zh-CN';
  $('clock').textContent = new Date().toLocaleString(language, { timeZone: 'Asia/Shanghai', hour12: false });
}

function relabel() {
  applyLabels();
  document.title = `${t('subtitle')} · ${t('title')}`;
  const button = $('token-button');
  button.classList.toggle('set', Boolean(token.get()));
  button.textContent = t(token.get() ? 'tokenSet' : 'token');
  tick();
  render();
}

function wireControls() {
  for (const id of ['language-button', 'signin-language']) {
    $(id).addEventListener('click', () => {
      setLanguage(currentLanguage() === 'en' ? 'zh' : 'en');
      relabel();
    });
  }
  const dialog = $('token-dialog');
  $('token-button').addEventListener('click', () => {
    $('token-input').value = '';
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save') token.set($('token-input').value.trim());
    relabel();
  });
}

async function main() {
  setLanguage(currentLanguage());
  wireControls();
  map = createMap($('map'), open);
  relabel();
  setInterval(tick, 1_000);
  // With WX_API_READ_ACCESS=token the screen signs in first (nothing to do when reads are open).
  await signIn.ensure();
  await loadLiveSignedIn();
  connect();
  void loadSparks();
  // Ages and freshness are the server's: refetched from memory twice a minute.
  setInterval(() => void loadLiveSignedIn().catch(() => undefined), 30_000);
  setInterval(() => void loadSparks(), 600_000);
  // Issue 23, item 4: late and escalated events marked on the wall (counts only; the desk has the rest).
  void loadEventMarks();
  setInterval(() => void loadEventMarks(), 30_000);
}

async function loadEventMarks() {
  const marks = await getJson('/api/v1/events/marks').catch(() => null);
  const badge = $('desk-overdue');
  badge.hidden = !marks || marks.overdue === 0;
  badge.textContent = marks ? ` ⚠ ${marks.overdue}` : '';
  badge.title = marks ? `${marks.overdue} 超时/升级 overdue or escalated, ${marks.open} 未办结 not closed` : '';
}

// echarts.min.js is a deferred classic script, run before this module: both wait for the document.
main().catch((error) => {
  document.body.append(h('div', { class: 'toast' }, String(error)));
});
