import { ageText, h, reconcile, setText } from './dom.js';
import { currentLanguage, t, tf } from './i18n.js';
import { ageOf, freshnessOf, model } from './model.js';
import { loadingRow, setUpdated } from './panel-common.js';
import { placeName } from './place-names.js';

/** Devices late or silent, the longest first, with how long ago they last reported. */
export const silentPanel = {
  id: 'silent', get families() { return model.familyOrder; },
  render(container, now) {
    const counter = document.getElementById('silent-count');
    // As of when the platform was last heard, not the page's clock (wall2: with the platform
    // stopped it said "updated" every 5 s, as if it still knew every device was reporting).
    setUpdated(document.getElementById('upd-silent'), model.loaded ? model.heardAtMs : null, model.loaded);
    if (!model.loaded) {
      setText(counter, '…');
      return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
    }
    const quiet = [...model.devices.values()].map((d) => ({ d, freshness: freshnessOf(d, now), age: ageOf(d, now) }))
      .filter((x) => x.freshness !== 'fresh').sort((a, b) => (b.age ?? Infinity) - (a.age ?? Infinity));
    setText(counter, String(quiet.length));
    counter.classList.toggle('hot', quiet.length > 0);
    if (quiet.length === 0) return reconcile(container, [{ key: 'none', sig: currentLanguage(), build: () => h('div', { class: 'empty' }, t('noSilent')) }]);
    reconcile(container, quiet.map(({ d, freshness, age }) => ({
      key: d.id, sig: JSON.stringify([currentLanguage(), freshness, age === null ? null : Math.floor(age / 60_000)]),
      build: () => h('div', { class: 'row', dataset: { device: d.id } },
        h('span', { class: freshness === 'silent' ? 'no' : 'dim' }, t(`family-${d.family}`)),
        h('span', { class: 'nm' }, placeName(d)),
        h('span', { class: 'num dim' }, age === null ? t('never') : `${t(freshness === 'silent' ? 'silentState' : 'late')} · ${tf('age', { t: ageText(age) })}`)),
    })));
  },
};
