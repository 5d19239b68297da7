// The officer's review page (issue 22 item 1): pick a device and days, see its series with the
// marks and the instruments' HJ 212 flags drawn on it, select a period (drag, or type it), choose
// fields, reason and comment, and mark it; revoke a mark, or confirm a suggested one, from the same
// view; then watch the day's figures recomputed beside their values before review. The token is
// kept in sessionStorage and sent as a bearer token: marks need it (a session cookie only reads).
import { h } from './dom.js';
import { currentLanguage, setLanguage } from './i18n.js';
import { drawChart, fieldsShown } from './review-chart.js';
import { applyLabels, t } from './review-labels.js';

const TOKEN = 'wanxiang.officerToken';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const $ = (id) => document.getElementById(id);
const state = { view: null, selection: null, chart: null, busy: false, watch: 0 };

async function call(path, body) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(answer.message ?? String(response.status)), { code: answer.code, status: response.status });
  return answer;
}

// A message is kept by its label key where it has one, so switching the language re-says it.
const say = (text, key = null) => {
  state.messageKey = key;
  $('message').textContent = text;
};
const sayKey = (key) => say(t(key), key);
const fail = (error) => (error.status === 401 ? sayKey('wrongToken') : error.status === 403 ? sayKey('needOfficer') : say(`${error.code ?? ''} ${error.message}`));
// Beijing wall-clock text whatever the browser's zone: the API reads a zone-less time as Beijing time.
const beijingInput = (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 16);
const fromBeijingInput = (text) => (text ? Date.parse(`${text}:00+08:00`) : NaN);
const beijingText = (ms) => beijingInput(ms).replace('T', ' ');
const beijingDate = (ms) => beijingInput(ms).slice(0, 10);
const reasonText = (id) => {
  const reason = state.view?.reasons.find((entry) => entry.id === id);
  return reason ? `${reason[currentLanguage()]}${reason.flag ? ` (${reason.flag})` : ''}` : id;
};
// A mark of a raw field takes the fields derived from it too (the API's derivedFields): the row says which.
const fieldsText = (fields, derived = []) => (fields.length ? `${fields.join(', ')}${derived.length ? t('alsoDerived').replace('{fields}', derived.join(', ')) : ''}` : t('all'));
const flagText = (flag) => `${flag.flag} ${flag.meaning[currentLanguage()]} · ${t(`verdict-${flag.meaning.verdict}`)}`;
const flagLabelOf = (flag) => `${beijingText(flag.timeMs)} – ${beijingText(flag.toMs)} · ${flag.field} · ${t(`interval-${flag.interval}`)} · ${flagText(flag)}${flag.value === null ? '' : ` · ${flag.value}`}`;
const scopeText = (mark) => (mark.site ? `${t('siteMark')} ${mark.site} (${mark.devices.length} ${t('devices')}) · ` : '');
const labelOf = (mark, kind) => `${t(kind === 'in-force' ? 'inForce' : kind)} · ${beijingText(mark.fromMs)} – ${beijingText(mark.toMs)} · ${fieldsText(mark.fields, mark.derivedFields)} · ${reasonText(mark.reason)}${mark.comment ? ` · ${mark.comment}` : ''}`;

async function loadDevices() {
  const { devices } = await call('/api/v1/devices');
  const select = $('device');
  const chosen = select.value;
  select.replaceChildren();
  for (const family of [...new Set(devices.map((device) => device.family))]) {
    const group = h('optgroup', { label: family });
    for (const device of devices.filter((entry) => entry.family === family)) group.append(h('option', { value: device.id }, `${device.siteName} · ${device.id}`));
    select.append(group);
  }
  if (chosen) select.value = chosen;
}

async function loadView() {
  const from = $('from-date').value;
  const to = beijingDate(Date.parse(`${$('to-date').value}T00:00:00+08:00`) + DAY);
  const query = new URLSearchParams({ device: $('device').value, from, to });
  state.view = await call(`/api/v1/review/view?${query}`);
  render();
}

function render() {
  const view = state.view;
  if (!view) return;
  state.chart = drawChart($('chart'), view, { onSelect: select, labelOf, flagLabelOf });
  renderFlagLegend(view);
  renderScope(view);
  if (view.readings.times.length === 0) sayKey('noReadings');
  if (state.selection) state.chart.showSelection(state.selection.fromMs, state.selection.toMs);
  const reason = $('reason').value;
  $('reason').replaceChildren(...view.reasons.map((entry) => h('option', { value: entry.id }, reasonText(entry.id))));
  if (reason) $('reason').value = reason;
  const checked = new Set([...document.querySelectorAll('#field-boxes input:checked')].map((box) => box.value));
  $('field-boxes').replaceChildren(...fieldsShown(view).map(({ field }) =>
    h('label', {}, h('input', { type: 'checkbox', value: field, checked: checked.has(field), onchange: () => { $('all-fields').checked = false; } }), ` ${field}`)));
  renderMarks(view);
  renderDays(view);
}

/** Each instrument flag letter in range, with its meaning and how many values carry it. */
function renderFlagLegend(view) {
  const counts = new Map();
  for (const flag of view.readings.flags) counts.set(flag.flag, { flag, count: (counts.get(flag.flag)?.count ?? 0) + 1 });
  const entries = [...counts.values()].map(({ flag, count }) => h('span', { class: 'flag-entry', dataset: { flag: flag.flag } }, h('b', {}, flag.flag), ` ${flag.meaning[currentLanguage()]} (${t(`verdict-${flag.meaning.verdict}`)}) × ${count}  `));
  $('flag-legend').replaceChildren(...(entries.length ? [`${t('flagLegend')}: `, ...entries] : []));
}

/**
 * This device, or every device of its site (a station's analysers, a section's buoys): one mark
 * naming the site (POST /api/v1/review/marks `site`), which holds devices of one family only.
 */
function renderScope(view) {
  const devices = view.siteDevices ?? [{ id: view.device.id, family: view.device.family }];
  const mixed = new Set(devices.map((device) => device.family)).size > 1;
  $('scope-device').textContent = `${t('scopeDevice')} (${view.device.id})`;
  $('scope-site').textContent = `${t('scopeSite')}: ${view.device.siteName} · ${devices.length} ${t('devices')} (${devices.map((device) => device.id).join(', ')})${mixed ? ` ${t('scopeSiteMixed')}` : ''}`;
  const siteBox = document.querySelector('#scope input[value="site"]');
  siteBox.disabled = mixed;
  if (mixed) document.querySelector('#scope input[value="device"]').checked = true;
}

function renderMarks(view) {
  const rows = [
    ...view.marks.map((mark) => {
      const revokeBox = h('input', { class: 'revoke-comment', maxlength: 500, placeholder: t('revokeWhy'), 'aria-label': t('revokeWhy') });
      const action = mark.inForce ? [revokeBox, h('button', { type: 'button', class: 'revoke', onclick: () => void revoke(mark, revokeBox.value.trim()) }, t('revoke'))] : [mark.revokedBy ?? ''];
      return h('tr', { class: mark.inForce ? 'in-force' : 'revoked', dataset: { id: mark.id } },
        h('td', {}, t(mark.inForce ? 'inForce' : 'revoked')), h('td', {}, `${scopeText(mark)}${beijingText(mark.fromMs)} – ${beijingText(mark.toMs)}`), h('td', {}, fieldsText(mark.fields, mark.derivedFields)),
        h('td', {}, reasonText(mark.reason)), h('td', {}, mark.comment), h('td', {}, mark.by), h('td', {}, action));
    }),
    ...view.suggestions.map((suggestion, index) =>
      h('tr', { class: 'suggested', dataset: { suggestion: String(index) } },
        h('td', {}, t('suggested')), h('td', {}, `${beijingText(suggestion.fromMs)} – ${beijingText(suggestion.toMs)}`), h('td', {}, fieldsText(suggestion.fields)),
        h('td', {}, reasonText(suggestion.reason)), h('td', {}, `${t(`source-${suggestion.source}`)}${suggestion.flag ? ` ${suggestion.flag}` : ''} × ${suggestion.readings}`), h('td', {}, ''),
        h('td', {}, h('button', { type: 'button', class: 'confirm', onclick: () => void confirmSuggestion(suggestion) }, t('confirm'))))),
  ];
  $('marks').replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 7 }, t('noMarks')))]));
}

const shownValue = (value) => (value === null || value === undefined || value === '' ? '—' : typeof value === 'number' ? String(Number(value.toFixed(1))) : String(value));

function renderDays(view) {
  const { fields, days } = view.dayFigures;
  if (days.length === 0) return $('days').replaceChildren(h('tbody', {}, h('tr', {}, h('td', {}, t('noDays')))));
  const head = h('thead', {}, h('tr', {}, h('th', {}, t('date')), ...fields.map((field) => h('th', {}, field))));
  const body = h('tbody', {}, ...days.map((day) => h('tr', { dataset: { date: day.date } }, h('td', {}, day.date), ...fields.map((field) => {
    const before = day.unreviewed?.[field];
    const moved = day.unreviewed !== null && shownValue(before) !== shownValue(day.reviewed[field]);
    return h('td', { class: moved ? 'moved' : undefined, dataset: { field }, title: `${t('reviewed')} / ${t('unreviewed')}` },
      shownValue(day.reviewed[field]), day.unreviewed === null ? '' : ` (${t('unreviewed')} ${shownValue(before)})`);
  }))));
  $('days').replaceChildren(head, body);
}

function select(fromMs, toMs) {
  state.selection = { fromMs, toMs };
  $('sel-from').value = beijingInput(fromMs);
  $('sel-to').value = beijingInput(toMs);
}

function typedSelection() {
  const fromMs = fromBeijingInput($('sel-from').value);
  const toMs = fromBeijingInput($('sel-to').value);
  state.selection = Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs ? { fromMs, toMs } : null;
  if (state.chart) state.chart.showSelection(state.selection?.fromMs ?? 0, state.selection?.toMs ?? 0);
}

/** The affected days' figures, to tell when the rollups have taken the change (reviewed or before-review moved). */
const figuresOf = (fromMs, toMs) => JSON.stringify((state.view?.dayFigures.days ?? []).filter((day) => day.dayMs < toMs && day.dayMs + DAY > fromMs));

/**
 * Reloads until the affected days' figures move (the rollup engine's next run, rollups.intervalMs),
 * at most a minute; a later action takes over the watch, so the officer never waits to act again.
 */
async function watchRecompute(fromMs, toMs, before, pending) {
  const watch = (state.watch = (state.watch ?? 0) + 1);
  sayKey(pending);
  await loadView();
  for (let tries = 0; tries < 20 && figuresOf(fromMs, toMs) === before; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    if (state.watch !== watch) return;
    await loadView();
  }
  if (state.watch === watch) sayKey(figuresOf(fromMs, toMs) === before ? 'unchanged' : 'recomputed');
}

async function act(body, range, pending, accepted = () => undefined) {
  if (state.busy) return;
  state.busy = true;
  let before;
  try {
    before = figuresOf(range.fromMs, range.toMs);
    await call('/api/v1/review/marks', body);
    accepted();
  } catch (error) {
    fail(error);
    return;
  } finally {
    state.busy = false;
  }
  await watchRecompute(range.fromMs, range.toMs, before, pending).catch(fail);
}

function mark() {
  typedSelection();
  if (!state.selection) return sayKey('needSelection');
  const fields = $('all-fields').checked ? [] : [...document.querySelectorAll('#field-boxes input:checked')].map((box) => box.value);
  const { fromMs, toMs } = state.selection;
  const wholeSite = document.querySelector('#scope input[value="site"]').checked;
  const scope = wholeSite ? { site: state.view.device.site } : { device: state.view.device.id };
  const body = { ...scope, from: beijingInput(fromMs), to: beijingInput(toMs), reason: $('reason').value, comment: $('comment').value.trim() };
  if (fields.length) body.fields = fields;
  void act(body, { fromMs, toMs }, 'marked', () => {
    $('comment').value = '';
  });
}

function revoke(record, comment) {
  if (!comment) return sayKey('needComment');
  return act({ action: 'revoke', revokes: record.id, comment }, record, 'revokedOk');
}

function confirmSuggestion(suggestion) {
  const comment = `${t('confirmedComment')}: ${t(`source-${suggestion.source}`)}${suggestion.flag ? ` ${suggestion.flag}` : ''} × ${suggestion.readings}`;
  const body = { device: suggestion.device, from: new Date(suggestion.fromMs).toISOString(), to: new Date(suggestion.toMs).toISOString(), reason: suggestion.reason, comment };
  if (suggestion.fields.length) body.fields = [...suggestion.fields];
  return act(body, suggestion, 'marked');
}

async function start() {
  say('');
  if (!sessionStorage.getItem(TOKEN)) return sayKey('needToken');
  try {
    const me = await call('/api/v1/people/me').catch(() => null);
    $('who').textContent = me ? `${me.name} · ${me.role}` : '—';
    await loadDevices();
    if (!$('from-date').value) {
      $('from-date').value = beijingDate(Date.now() - DAY);
      $('to-date').value = beijingDate(Date.now());
    }
    sayKey('loading');
    await loadView();
    $('work').hidden = false;
    if (state.view.readings.times.length) say('');
  } catch (error) {
    $('work').hidden = true;
    fail(error);
  }
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN, $('token').value.trim());
  $('token').value = '';
  void start();
});
$('pick').addEventListener('submit', (event) => {
  event.preventDefault();
  state.selection = null;
  sayKey('loading');
  void loadView().then(() => (state.view.readings.times.length ? say('') : sayKey('noReadings')), fail);
});
$('mark-form').addEventListener('submit', (event) => {
  event.preventDefault();
  mark();
});
for (const id of ['sel-from', 'sel-to']) $(id).addEventListener('change', typedSelection);
$('all-fields').addEventListener('change', () => {
  if ($('all-fields').checked) for (const box of document.querySelectorAll('#field-boxes input')) box.checked = false;
});
$('language').addEventListener('click', () => {
  setLanguage(currentLanguage() === 'zh' ? 'en' : 'zh');
  applyLabels();
  render();
  if (state.messageKey) sayKey(state.messageKey);
});
setLanguage(currentLanguage());
applyLabels();
void start();
