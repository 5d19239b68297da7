import { h, reconcile } from './dom.js';
import { textOn, silentColour } from './colours.js';
import { currentLanguage, t } from './i18n.js';
import { alarmingDevices, familyUpdatedMs, model, ofFamily } from './model.js';
import { deviceRow, loadingRow, nameCell, rowState, setUpdated, signature } from './panel-common.js';

const head = () => h('div', { class: 'row head' }, h('span', {}, t('colSite')), h('span', {}, t('colClass')), h('span', {}, t('colTarget')), h('span', {}, t('colVerdict')));

/** River sections: GB 3838 class of the latest sample against the section's target class. */
export const waterPanel = {
  id: 'water', families: ['water'],
  render(container, now) {
    setUpdated(document.getElementById('upd-water'), familyUpdatedMs('water'), model.loaded);
    if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
    const alarming = alarmingDevices();
    reconcile(container, [{ key: 'head', sig: currentLanguage(), build: head }, ...ofFamily('water').sort((a, b) => a.site.localeCompare(b.site)).map((d) => {
      const state = rowState(d, alarming, now);
      return {
        key: d.id, sig: signature(d, state, currentLanguage()),
        build: () => {
          const fresh = state.freshness === 'fresh';
          const colour = fresh ? d.state.colour : silentColour;
          // A silent section's class is its last sample's, shown greyed with its age; whether it meets its
          // target now is not known, and the sections tile does not count it (panel-tiles.js).
          const judged = d.state.label !== 'no-data' && state.freshness !== 'silent';
          const meets = judged && d.state.severity === 0;
          return deviceRow(d, state, nameCell(d, state),
            h('span', { class: 'badge', style: { background: colour, color: textOn(colour) } }, d.state.value ?? '—'),
            h('span', { class: 'dim' }, `${t('targetClass')} ${d.attributes.targetClass}`),
            h('span', { class: `value ${judged ? (meets ? 'ok' : 'no') : ''}` }, judged ? t(meets ? 'meets' : 'fails') : '—'));
        },
      };
    })]);
  },
};
