import { fmt, h, pctDown, reconcile } from './dom.js';
import { silentColour } from './colours.js';
import { currentLanguage, t, tf } from './i18n.js';
import { alarmingDevices, familyUpdatedMs, model, ofFamily } from './model.js';
import { deviceRow, loadingRow, nameCell, rowState, setUpdated, signature } from './panel-common.js';
import { bar } from './bars.js';

/** Car parks by occupancy: the bar, the percentage and the free spaces, said as such ("22 free"). */
export const parkingPanel = {
  id: 'parking', families: ['parking'],
  render(container, now) {
    setUpdated(document.getElementById('upd-parking'), familyUpdatedMs('parking'), model.loaded);
    if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
    const alarming = alarmingDevices();
    const lots = ofFamily('parking').sort((a, b) => (b.state.value ?? -1) - (a.state.value ?? -1) || a.id.localeCompare(b.id));
    reconcile(container, lots.map((d) => {
      const state = rowState(d, alarming, now);
      return {
        key: d.id, sig: signature(d, state, currentLanguage()),
        build: () => {
          const fresh = state.freshness === 'fresh';
          const free = typeof d.values.totalSpaces === 'number' ? Math.max(0, d.values.totalSpaces - (d.values.occupiedSpaces ?? 0)) : null;
          return deviceRow(d, state, nameCell(d, state, false),
            bar(typeof d.state.value === 'number' ? d.state.value : 0, fresh ? d.state.colour : silentColour),
            h('span', { class: 'num value', title: t('colOccupancy') }, free === null ? '—' : `${pctDown(d.state.value)} · ${tf('freeSpaces', { n: fmt(free, 0) })}`));
        },
      };
    }));
  },
};
