import { beijingClock, beijingDay, h, reconcile, setText } from './dom.js';
import { currentLanguage, t, tf } from './i18n.js';
import { model } from './model.js';
import { placeName, streetName } from './place-names.js';
import { aqiChip, alarmText, ruleTitle } from './alarm-text.js';
import { serverNow } from './clock.js';

const rank = { open: 0, acknowledged: 1, closed: 2 };
const severityRank = { critical: 0, warning: 1, info: 2 };
const FLASH_MS = 15_000;
// Three or more like alarms (same rule, severity and state) are one card that says how many.
const GROUP_FROM = 3;
const flashing = new Map();
const expanded = new Set();
const filters = { severity: '', family: '', street: '' };
let actions = { act: () => undefined, locate: () => undefined };

/** A new critical alarm flashes for FLASH_MS (main.js calls this for alarms opened while watching). */
export function flashAlarm(id) {
  flashing.set(id, serverNow() + FLASH_MS);
}

function select(id, key, options) {
  const element = document.getElementById(id);
  const value = filters[key];
  element.replaceChildren(h('option', { value: '' }, `${t(`filter${key[0].toUpperCase()}${key.slice(1)}`)}: ${t('filterAll')}`),
    ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  element.value = value;
}

/** The filter selects, in the screen's language (called on language change and when streets load). */
export function setupAlarmFilters(handlers, onChange) {
  actions = handlers;
  for (const key of ['severity', 'family', 'street']) {
    document.getElementById(`f-${key}`).onchange = (event) => {
      filters[key] = event.target.value;
      onChange();
    };
  }
  relabelAlarmFilters();
}

export function relabelAlarmFilters() {
  select('f-severity', 'severity', ['critical', 'warning', 'info'].map((s) => [s, t(`severity-${s}`)]));
  // Every family of the registry (issue 25: a new family is filterable without a screen edit).
  select('f-family', 'family', (model.familyOrder.length > 0 ? model.familyOrder : ['air', 'water', 'grid', 'parking', 'noise']).map((f) => [f, t(`family-${f}`)]));
  select('f-street', 'street', model.streets.map((s) => [s.id, streetName(s)]));
}

function passes(alarm) {
  if (filters.severity && alarm.severity !== filters.severity) return false;
  if (filters.family && alarm.family !== filters.family) return false;
  if (filters.street && model.devices.get(alarm.deviceId)?.street !== filters.street) return false;
  return true;
}

function card(alarm, now, member = false) {
  const device = model.devices.get(alarm.deviceId);
  const chip = aqiChip(alarm);
  const hot = (flashing.get(alarm.id) ?? 0) > now;
  return h('div', { class: `alarm ${alarm.severity} ${alarm.state}${hot ? ' flash' : ''}${member ? ' member' : ''}`, dataset: { alarm: alarm.id, device: alarm.deviceId } },
    h('span', { class: 'sev' }),
    h('div', { class: 'body' },
      h('div', { class: 'text' }, alarmText(alarm)),
      h('div', { class: 'meta' },
        chip ? h('span', { class: 'chip', style: { background: chip.background, color: chip.color } }, chip.text) : null,
        `${t(`severity-${alarm.severity}`)} · ${device ? placeName(device) : ''} · ${beijingClock(alarm.openedAtMs)}`,
        alarm.state === 'acknowledged' ? ` · ${t('acknowledged')}` : '')),
    h('div', { class: 'acts' },
      alarm.state === 'open' ? h('button', { class: 'btn ack', type: 'button', onclick: (e) => { e.stopPropagation(); actions.act(alarm, 'ack'); } }, t('acknowledge')) : null,
      h('button', { class: 'btn close', type: 'button', onclick: (e) => { e.stopPropagation(); actions.act(alarm, 'close'); } }, t('closeAlarm')),
      h('button', { class: 'btn locate', type: 'button', title: t('locate'), onclick: (e) => { e.stopPropagation(); actions.locate(alarm.deviceId); } }, t('locate'))));
}

function groupCard(key, members, now) {
  const first = members[0];
  const open = expanded.has(key);
  const hot = members.some((a) => (flashing.get(a.id) ?? 0) > now);
  const places = members.map((a) => placeName(model.devices.get(a.deviceId))).filter(Boolean);
  return h('div', { class: `group ${first.severity} ${first.state}${hot ? ' flash' : ''}`, dataset: { group: key, count: String(members.length) } },
    // The head carries the group's severity: a critical group's bar is red like its members' (wall2: it was orange).
    h('div', { class: `alarm head ${first.severity}` },
      h('span', { class: 'sev' }),
      h('div', { class: 'body' },
        h('div', { class: 'text' }, tf('groupAt', { what: ruleTitle(first), n: members.length })),
        h('div', { class: 'meta' }, `${t(`severity-${first.severity}`)} · ${beijingClock(Math.max(...members.map((a) => a.openedAtMs)))} · ${places.slice(0, 4).join('、')}${places.length > 4 ? '…' : ''}`)),
      h('div', { class: 'acts' }, h('button', { class: 'btn expand', type: 'button', onclick: () => { if (open) expanded.delete(key); else expanded.add(key); actions.rerender(); } }, t(open ? 'hideMembers' : 'showMembers')))),
    open ? members.map((a) => card(a, now, true)) : null);
}

/**
 * The alarm feed: open before acknowledged, critical first; like alarms (same rule, severity and
 * state) grouped; filtered by severity, family and street; scrolling, with how many are below.
 */
export const alarmsPanel = {
  id: 'alarms', families: [],
  render(container, now) {
    const counter = document.getElementById('alarm-count');
    const upd = document.getElementById('upd-alarms');
    if (!model.loaded) {
      setText(counter, '…');
      setText(upd, t('loading'));
      return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: () => h('div', { class: 'empty loading' }, t('loading')) }]);
    }
    setText(upd, model.alarmsAtMs ? `${t('updated')} ${beijingClock(model.alarmsAtMs, true)}` : '');
    const shown = [...model.alarms.values()].filter((a) => a.state !== 'closed')
      .sort((a, b) => rank[a.state] - rank[b.state] || severityRank[a.severity] - severityRank[b.severity] || b.updatedAtMs - a.updatedAtMs);
    const open = shown.filter((a) => a.state === 'open').length;
    setText(counter, String(open));
    counter.classList.toggle('hot', open > 0);
    const chosen = shown.filter(passes);
    if (chosen.length === 0) {
      const key = shown.length > 0 ? 'noneFiltered' : model.alarmsAvailable === false ? 'noAlarmEngine' : 'noAlarms';
      return reconcile(container, [{ key, sig: currentLanguage(), build: () => h('div', { class: 'empty' }, t(key)) }]);
    }
    const groups = new Map();
    for (const alarm of chosen) {
      const key = `${alarm.ruleId}|${alarm.severity}|${alarm.state}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(alarm);
    }
    reconcile(container, [...groups.entries()].flatMap(([key, members]) => {
      const hot = members.some((a) => (flashing.get(a.id) ?? 0) > now);
      // The Beijing day is in the signature: after midnight an alarm of yesterday's is redrawn with its date.
      const sig = JSON.stringify([currentLanguage(), hot, expanded.has(key), beijingDay(now), members.map((a) => [a.id, a.state, a.updatedAtMs, a.value])]);
      return members.length < GROUP_FROM
        ? members.map((a) => ({ key: a.id, sig: JSON.stringify([sig, a.id]), build: () => card(a, now) }))
        : { key, sig, build: () => groupCard(key, members, now) };
    }));
    container.closest('.panel').classList.toggle('flash', chosen.some((a) => (flashing.get(a.id) ?? 0) > now));
  },
};

/**
 * "+N more below": the cards not (wholly) in view under the scroll position. Measured once a frame
 * after its writes (main.js); written only when the count or its words changed.
 */
export function updateHiddenCount(container, button) {
  const bottom = container.getBoundingClientRect().bottom;
  const below = [...container.children].filter((child) => child.getBoundingClientRect().bottom > bottom + 1);
  const count = below.reduce((n, child) => n + Number(child.dataset.count ?? 1), 0);
  if (button.hidden !== (count === 0)) button.hidden = count === 0;
  setText(button, tf('hiddenBelow', { n: count }));
  if (button.dataset.hidden !== String(count)) button.dataset.hidden = String(count);
}
