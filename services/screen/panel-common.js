import { ageText, beijingClock, h, setText } from './dom.js';
import { placeName } from './place-names.js';
import { t, tf } from './i18n.js';
import { ageOf, freshnessOf } from './model.js';

/**
 * A row naming its device (data-device; main.js opens the series from the panel, see openOnPress),
 * its freshness and, only while it is in one, its worst alarm's severity (data-alarm; none otherwise).
 */
export function deviceRow(device, state, ...cells) {
  const classes = ['row', state.freshness !== 'fresh' ? `stale-row ${state.freshness}` : '', state.alarm ? `alarming ${state.alarm}` : ''].filter(Boolean).join(' ');
  return h('div', { class: classes, dataset: { device: device.id, freshness: state.freshness, alarm: state.alarm } }, ...cells);
}

/** What a row's look depends on beyond its values: freshness, age (to the minute), alarm, language. */
export function rowState(device, alarming, now) {
  const freshness = freshnessOf(device, now);
  const age = ageOf(device, now);
  return { freshness, age, alarm: alarming.get(device.id) ?? null };
}

/** The name cell: the place, with its age when the device is late or silent, and an alarm mark. */
export function nameCell(device, state, withAge = true) {
  return h('span', { class: 'nm', title: placeName(device) },
    state.alarm ? h('b', { class: 'alarm-flag', title: t('alarmsHere') }, '▲ ') : null,
    placeName(device),
    withAge && state.freshness !== 'fresh' ? h('small', { class: 'age' }, ` · ${state.age === null ? t('never') : tf('age', { t: ageText(state.age) })}`) : null);
}

export const signature = (device, state, ...more) => JSON.stringify([device.values, device.state, state.freshness, state.alarm, state.freshness === 'fresh' ? 0 : Math.floor((state.age ?? 0) / 60_000), ...more]);

/** The panel header's "updated HH:MM:SS (Beijing)", or 加载中 until the first data. */
export function setUpdated(element, ms, loaded) {
  setText(element, !loaded ? t('loading') : ms === null ? `${t('updated')} —` : `${t('updated')} ${beijingClock(ms, true)}`);
}

export function loadingRow() {
  return h('div', { class: 'empty loading' }, t('loading'));
}
