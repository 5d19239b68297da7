import { beijingClock, beijingDay, fmt, h, reconcile } from './dom.js';
import { currentLanguage, t, tf } from './i18n.js';
import { freshnessOf, model, ofFamily } from './model.js';

const statusClass = { met: 'met', 'at risk': 'risk', breached: 'bad' };
const countUnits = new Set(['sections', 'transformers', 'roads', 'devices', 'spaces']);
export const unitText = (unit) => (countUnits.has(unit) ? t(unit) : unit);
const judged = new Set(['met', 'at risk', 'breached']);

/**
 * The live counts of the tiles the panels also show, counted from the same devices the panels
 * draw with the same clock, so a tile and its panel never disagree (issue 21: 6/9 on the tile,
 * 9/9 in the panel; audit: 146 / 147 online while the late station's row stayed green and the
 * silent list said every device was reporting). Online is on time by the rows' rule (model.js).
 */
function liveCount(tile, now) {
  const fresh = (d) => freshnessOf(d, now) !== 'silent';
  switch (tile.id) {
    case 'sections': {
      const sections = ofFamily('water');
      // A silent section's last sample is not its class now: not counted as meeting (its row says — too).
      const judgedNow = sections.filter((d) => fresh(d) && d.state.label !== 'no-data');
      return { value: judgedNow.filter((d) => d.state.severity === 0).length, of: sections.length, heard: judgedNow.length };
    }
    case 'heavy-load': {
      const transformers = ofFamily('grid').filter((d) => d.attributes.level === 'transformer');
      const heard = transformers.filter(fresh);
      return { value: heard.filter((d) => d.state.severity >= 2).length, of: transformers.length, heard: heard.length };
    }
    case 'noise': {
      const roads = new Map();
      const heard = ofFamily('noise').filter(fresh).length;
      for (const d of ofFamily('noise')) roads.set(String(d.attributes.road), (roads.get(String(d.attributes.road)) ?? false) || (fresh(d) && d.state.label.endsWith('-over')));
      return { value: [...roads.values()].filter(Boolean).length, of: roads.size, heard };
    }
    case 'parking': {
      let free = 0;
      for (const d of ofFamily('parking')) if (fresh(d) && typeof d.values.totalSpaces === 'number') free += Math.max(0, d.values.totalSpaces - (d.values.occupiedSpaces ?? 0));
      return { value: free, of: null };
    }
    case 'online': {
      const devices = [...model.devices.values()];
      return { value: devices.filter((d) => freshnessOf(d, now) === 'fresh').length, of: devices.length };
    }
    default: return { value: tile.value, of: tile.of };
  }
}

/**
 * The plan's target as text in its own unit ("≤ 35 µg/m³", "≤ IV类", "≤ 55 dB(A)"), or null where
 * the plan sets none. The target's unit is the target's, not the figure's (audit: "≤ 55 条道路",
 * "≤ IV 个断面").
 */
export function targetText(tile) {
  if (tile.target === null || tile.target === undefined || tile.comparator === null) return null;
  const number = typeof tile.target === 'number' ? fmt(tile.target, 1) : tile.target;
  const comparator = tile.comparator === '<=' ? '≤' : '≥';
  const unit = tile.targetUnit ?? tile.unit;
  if (unit === 'class') return tf('classTarget', { c: comparator, n: number });
  return `${comparator} ${number} ${unitText(unit)}`;
}

const hourText = (hour) => `${String(hour % 24).padStart(2, '0')}:00`;

/**
 * The limit a tile's count is judged by now, where it depends on the time (noise: GB 3096-2008,
 * each road against its zone's Leq limit by day 06:00–22:00 or by night, Beijing time, on the
 * platform's clock): its text ("昼间限值 55–70 dB(A)") and each zone's limit with the period's hours.
 * The plan's target (night Leq ≤ 55 on three trunk roads, of the year) read "≤ 55" by day, while the
 * roads were counted over their day limits (70 on a 4a road). Null for the other tiles.
 */
export function limitNow(tile, now) {
  const limits = tile.zoneLimits;
  const zones = Object.entries(limits?.zones ?? {});
  if (zones.length === 0) return null;
  const hour = new Date(now + 8 * 3_600_000).getUTCHours();
  const day = hour >= limits.dayStartHour && hour < limits.nightStartHour;
  const byZone = zones.map(([zone, limit]) => [zone, day ? limit.day : limit.night]).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const values = [...new Set(byZone.map(([, value]) => value))].sort((a, b) => a - b);
  const range = values.length === 1 ? fmt(values[0], 1) : `${fmt(values[0], 1)}–${fmt(values[values.length - 1], 1)}`;
  const [from, to] = day ? [limits.dayStartHour, limits.nightStartHour] : [limits.nightStartHour, limits.dayStartHour];
  return {
    period: day ? 'day' : 'night',
    label: t(day ? 'tileDayLimit' : 'tileNightLimit'),
    text: `${t(day ? 'tileDayLimit' : 'tileNightLimit')} ${range} ${limits.unit}`,
    detail: tf('limitsByZone', { zones: `${byZone.map(([zone, value]) => `${tf('zoneClass', { z: zone })} ${fmt(value, 1)}`).join(' · ')} ${limits.unit}`, from: hourText(from), to: hourText(to) }),
  };
}

/**
 * One verdict per tile: the plan's (year to date) where it judges the year; else, for a live
 * count, the count shown judged by the server's rule (`meets`), so the figure and its verdict come
 * from the same moment (audit: "9 / 9 sections · Now At risk"); else the server's; none without a target.
 */
export function verdictOf(tile, count) {
  if (tile.compliance && judged.has(tile.compliance.status)) return { status: tile.compliance.status, scope: 'tileYear' };
  if (targetText(tile) === null) return { status: judged.has(tile.status) ? null : tile.status, scope: null };
  if (tile.meets && count && typeof count.value === 'number') {
    // Counted over no device heard, a count says nothing of now (server: services/live/tiles.ts liveTile).
    if (count.heard === 0) return { status: 'insufficient data', scope: 'tileNow' };
    const good = tile.meets === 'all' ? count.value === count.of : count.value === 0;
    return { status: good ? 'met' : 'at risk', scope: 'tileNow' };
  }
  return { status: tile.status, scope: judged.has(tile.status) ? 'tileNow' : null };
}

/**
 * The figure a tile shows in large: none ("—") for a year figure the plan cannot yet judge (its
 * standard's validity rule unmet), whose verdict says 数据不足. Five days of December read
 * "PM2.5 年均浓度 19.7 µg/m³" under a target of 20, and "优良天数 100 %", in the wall's largest
 * type (red team 11); the partial figure stays in the tile's view, beside its status.
 */
export function shownValue(tile, count) {
  const yearFigure = tile.meets === null && (count.of === null || count.of === undefined);
  return yearFigure && tile.compliance?.status === 'insufficient data' ? null : count.value;
}

// A space between the figure and its unit: without one the line had no place to break, and on a
// laptop's narrower tile "10,151 spaces" ran out of its tile instead of putting the unit below.
function figure(tile, count) {
  if (tile.id === 'parking') return [fmt(count.value, 0), ' ', h('small', {}, t('spaces'))];
  if (count.of !== null && count.of !== undefined) return [fmt(count.value, 0), ' ', h('small', {}, `/ ${fmt(count.of, 0)} ${unitText(tile.unit)}`)];
  return [fmt(shownValue(tile, count), 1), ' ', h('small', {}, unitText(tile.unit))];
}

function tileElement(tile, count, limit, onOpen) {
  const target = targetText(tile);
  const verdict = verdictOf(tile, count);
  const updated = model.tilesAtMs ? `${t('updated')} ${beijingClock(model.tilesAtMs)}` : '';
  return h('button', {
    type: 'button', class: `tile ${verdict.status ? statusClass[verdict.status] ?? '' : ''}`, dataset: { tile: tile.id, status: verdict.status ?? '', scope: verdict.scope ?? '', value: String(count.value ?? ''), of: String(count.of ?? '') },
    title: `${t(`tip-${tile.id}`)}\n${tile.compliance ? `${t('tileYear')} ${tile.compliance.period} · ` : ''}${updated} (${t('beijing')})`,
    onclick: () => onOpen(tile),
  },
  h('div', { class: 'name' }, t(`tile-${tile.id}`)),
  h('div', { class: 'value' }, ...figure(tile, count)),
  h('div', { class: 'foot' }, limit
    ? h('span', { class: 'target', dataset: { period: limit.period }, title: limit.detail }, limit.text)
    : h('span', { class: 'target' }, target ? `${t('tileTarget')} ${target}` : t('noTarget')), h('span', { class: 'upd' }, updated)),
  h('div', { class: 'foot' }, h('span', { class: 'status' }, verdict.status ? `${verdict.scope ? `${t(verdict.scope)} ` : ''}${t(`status-${verdict.status}`)}` : ''),
    // The shareable spaces on a line of their own: beside the figure they ran out of the tile in English.
    // Not "0" while its figure cannot be judged yet (数据不足): no shareable space is not what it says.
    tile.id === 'parking' && tile.secondary !== null ? h('span', { class: 'extra' }, `${t('shareable')} ${tile.compliance?.status === 'insufficient data' ? '—' : fmt(tile.secondary, 0)} ${t('spaces')}`) : null));
}

/** The seven district tiles; a click opens a readable view of the figure (tile-view.js). */
export function createTilesPanel(onOpen) {
  return {
    // Every family: the online tile counts every device.
    id: 'tiles', get families() { return model.familyOrder; },
    render(container, now) {
      if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: () => h('div', { class: 'tile loading' }, t('loading')) }]);
      reconcile(container, model.tiles.map((tile) => {
        const count = liveCount(tile, now);
        // The limit now is in the signature: at 06:00 and 22:00 the noise tile names the other period's.
        const limit = limitNow(tile, now);
        return { key: tile.id, sig: JSON.stringify([currentLanguage(), tile, count, model.tilesAtMs, beijingDay(now), limit?.text]), build: () => tileElement(tile, count, limit, onOpen) };
      }));
    },
    liveCount,
  };
}
