import { h, fmt, replace, sparkline } from './dom.js';
import { placeName, t } from './i18n.js';

const byName = (a, b) => a.site.localeCompare(b.site);
// A row names its device (data-device); main.js opens the series from the panel, not the row,
// because a panel is redrawn on every update (see openOnPress there).
const row = (device, ...cells) => h('div', { class: 'row', dataset: { device: device.id } }, ...cells);
const dim = (device) => device.freshness === 'silent';

export function renderAir(container, devices, sparks) {
  replace(container, devices.slice().sort(byName).map((d) => row(d,
    h('span', { class: 'nm' }, placeName(d.siteName, d.site)),
    h('span', { class: 'badge', style: { background: dim(d) ? 'var(--none)' : d.state.colour }, title: t(d.state.label) }, d.state.value === null ? '—' : String(d.state.value)),
    h('span', { class: 'num', title: 'PM2.5 µg/m³' }, fmt(d.values.pm25, 1)),
    sparkline(sparks.get(d.id) ?? [], d.state.colour))));
}

export function renderWater(container, devices) {
  replace(container, devices.slice().sort(byName).map((d) => {
    const meets = d.state.label !== 'no-data' && d.state.severity === 0;
    return row(d,
      h('span', { class: 'nm' }, placeName(d.siteName, d.site)),
      h('span', { class: 'badge', style: { background: dim(d) ? 'var(--none)' : d.state.colour } }, d.state.value ?? '—'),
      h('span', { class: 'dim' }, `${t('targetClass')} ${d.attributes.targetClass}`),
      h('span', { class: meets ? 'ok' : 'no' }, d.state.label === 'no-data' ? '—' : t(meets ? 'meets' : 'fails')));
  }));
}

/** Load heat strip: each substation followed by its transformers, coloured by load band. */
export function renderGrid(container, devices) {
  const groups = new Map();
  for (const d of devices) {
    const key = d.attributes.substation;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  replace(container, [...groups.values()].map((members) => h('div', { class: 'sub' },
    members.sort((a, b) => (a.attributes.level === 'substation' ? -1 : b.attributes.level === 'substation' ? 1 : a.id.localeCompare(b.id)))
      .map((d) => h('div', {
        class: `cell ${d.attributes.level}${dim(d) ? ' silentcell' : ''}`, style: { background: d.state.colour }, dataset: { device: d.id },
        title: `${placeName(d.siteName, d.id)} · ${fmt(d.state.value, 1)} % · ${t(d.state.label)}`,
      }, typeof d.state.value === 'number' ? fmt(d.state.value, 0) : '—')))));
}

function bar(pct, colour, marks = []) {
  return h('div', { class: 'bar-track' },
    h('div', { class: 'bar-fill', style: { width: `${Math.max(0, Math.min(100, pct))}%`, background: colour } }),
    ...marks.map(([at, cls]) => h('div', { class: `bar-mark ${cls}`, style: { left: `${Math.max(0, Math.min(100, at))}%` } })));
}

export function renderParking(container, devices) {
  replace(container, devices.slice().sort((a, b) => (b.state.value ?? -1) - (a.state.value ?? -1)).map((d) => row(d,
    h('span', { class: 'nm' }, placeName(d.siteName, d.site)),
    bar(typeof d.state.value === 'number' ? d.state.value : 0, d.state.colour),
    h('span', { class: 'num' }, typeof d.values.totalSpaces === 'number'
      ? `${fmt(d.state.value, 0)}% · ${fmt(Math.max(0, d.values.totalSpaces - (d.values.occupiedSpaces ?? 0)), 0)}`
      : '—'))));
}

// Noise bars span 40–90 dB(A); the day limit is a white mark, the night limit a blue one.
const noiseScale = (db) => ((db - 40) / 50) * 100;

export function renderNoise(container, devices) {
  replace(container, devices.slice().sort(byName).map((d) => {
    const limits = d.state.limits ?? null;
    return row(d,
      h('span', { class: 'nm', title: d.siteName }, placeName(d.siteName, d.site)),
      bar(typeof d.values.leq === 'number' ? noiseScale(d.values.leq) : 0, d.state.colour, limits ? [[noiseScale(limits.day), 'day'], [noiseScale(limits.night), 'night']] : []),
      h('span', { class: 'num', title: limits ? `${t('day')} ${limits.day} / ${t('night')} ${limits.night} dB(A)` : '' }, `${fmt(d.values.leq, 1)} / ${fmt(d.state.limit, 0)}`));
  }));
}

const minutes = (ms) => (ms >= 3_600_000 ? `${fmt(ms / 3_600_000, 1)} h` : `${fmt(ms / 60_000, 0)} min`);

export function renderSilent(container, counter, devices) {
  const quiet = devices.filter((d) => d.freshness !== 'fresh').sort((a, b) => (b.ageMs ?? Infinity) - (a.ageMs ?? Infinity));
  counter.textContent = String(quiet.length);
  counter.classList.toggle('hot', quiet.length > 0);
  if (quiet.length === 0) return replace(container, [h('div', { class: 'empty' }, t('noSilent'))]);
  replace(container, quiet.map((d) => row(d,
    h('span', { class: d.freshness === 'silent' ? 'no' : 'dim' }, t(`family-${d.family}`)),
    h('span', { class: 'nm' }, placeName(d.siteName, d.id)),
    h('span', { class: 'num dim' }, d.ageMs === null ? t('never') : `${t(d.freshness === 'silent' ? 'silentState' : 'late')} ${minutes(d.ageMs)}`))));
}
