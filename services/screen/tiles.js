import { h, fmt, replace } from './dom.js';
import { t } from './i18n.js';

const statusClass = { met: 'met', 'at risk': 'risk', breached: 'bad' };
const countUnits = new Set(['sections', 'transformers', 'roads', 'devices', 'spaces']);
const unitText = (unit) => (countUnits.has(unit) ? t(unit) : unit);

function figure(tile) {
  if (tile.id === 'parking') return [fmt(tile.value, 0), h('small', {}, `/ ${fmt(tile.secondary, 0)}`)];
  if (tile.of !== null) return [fmt(tile.value, 0), h('small', {}, `/ ${fmt(tile.of, 0)}`)];
  return [fmt(tile.value, 1), h('small', {}, unitText(tile.unit))];
}

// Year figures show their target; live counts show how the year stands in the compliance report.
function foot(tile) {
  const yearFigure = tile.id === 'pm25' || tile.id === 'good-days';
  const left = yearFigure
    ? `${t('target')} ${tile.comparator === '<=' ? '≤' : '≥'} ${fmt(tile.target, 1)} ${tile.unit}`
    : tile.compliance ? `${t('ytd')}: ${t(`status-${tile.compliance.status}`)}` : '';
  return h('div', { class: 'foot' }, h('span', {}, left), h('span', { class: 'status' }, t(`status-${tile.status}`)));
}

/** The seven district tiles; each links to its compliance figure, its provenance in the tooltip. */
export function renderTiles(container, tiles) {
  replace(container, tiles.map((tile) =>
    h('a', {
      class: `tile ${statusClass[tile.status] ?? ''}`, href: tile.link, target: '_blank', rel: 'noopener',
      title: `${t('provenance')}:\n${tile.provenance.join('\n')}`, dataset: { tile: tile.id },
    },
    h('div', { class: 'name' }, t(`tile-${tile.id}`)),
    h('div', { class: 'value' }, ...figure(tile)),
    foot(tile))));
}
