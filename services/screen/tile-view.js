import { beijingDateTime, fmt, h, replace } from './dom.js';
import { t } from './i18n.js';
import { model } from './model.js';
import { limitNow, shownValue, targetText, unitText, verdictOf } from './panel-tiles.js';

/** A tile's figure as an officer reads it: value, target, verdict, period, when; the raw JSON one link away. */
export function createTileView({ dialog, title, body, closeButton }) {
  closeButton.addEventListener('click', () => dialog.close());
  return {
    open(tile, count, now) {
      const verdict = verdictOf(tile, count);
      const limit = limitNow(tile, now);
      title.textContent = `${t(`tile-${tile.id}`)} · ${t('tileDetails')}`;
      const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
      replace(body, [
        h('p', { class: 'hint' }, t(`tip-${tile.id}`)),
        h('dl', {},
          ...row(t('tileNow'), `${fmt(shownValue(tile, count), 1)}${count.of !== null && count.of !== undefined ? ` / ${fmt(count.of, 0)}` : ''} ${unitText(tile.unit)}`),
          // The limit the count is judged by now (noise), then the plan's target the year is judged by.
          ...(limit ? row(limit.label, limit.detail) : []),
          ...row(t('tileTarget'), targetText(tile) ?? t('noTarget')),
          ...(verdict.status ? row(verdict.scope ? t(verdict.scope) : t('colVerdict'), t(`status-${verdict.status}`)) : []),
          ...(tile.compliance ? row(`${t('tileYear')} ${tile.compliance.period}`, `${typeof tile.compliance.value === 'number' ? fmt(tile.compliance.value, 1) : tile.compliance.value ?? '—'} · ${t(`status-${tile.compliance.status}`)}`) : []),
          ...row(t('updated'), model.tilesAtMs ? `${beijingDateTime(model.tilesAtMs)} (${t('beijing')})` : '—')),
        h('a', { class: 'btn', href: tile.link, target: '_blank', rel: 'noopener' }, t('rawJson')),
      ]);
      if (!dialog.open) dialog.showModal();
    },
  };
}
