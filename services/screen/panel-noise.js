import { fmt, h, reconcile } from './dom.js';
import { silentColour } from './colours.js';
import { currentLanguage, t } from './i18n.js';
import { alarmingDevices, familyUpdatedMs, model, ofFamily } from './model.js';
import { deviceRow, loadingRow, nameCell, rowState, setUpdated, signature } from './panel-common.js';
import { bar } from './bars.js';

// Bars span 40–90 dB(A); the day limit is a white mark, the night limit a blue one (GB 3096-2008 Table 1).
const scale = (db) => ((db - 40) / 50) * 100;

/** Road noise: Leq in dB(A) against the zone's limit for the period now, which is named (day / night). */
export const noisePanel = {
  id: 'noise', families: ['noise'],
  render(container, now) {
    setUpdated(document.getElementById('upd-noise'), familyUpdatedMs('noise'), model.loaded);
    if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
    const alarming = alarmingDevices();
    reconcile(container, ofFamily('noise').sort((a, b) => a.site.localeCompare(b.site)).map((d) => {
      const state = rowState(d, alarming, now);
      return {
        key: d.id, sig: signature(d, state, currentLanguage()),
        build: () => {
          const limits = d.state.limits ?? null;
          const period = d.state.label.includes('-night-') ? 'night' : 'day';
          const fresh = state.freshness === 'fresh';
          const marks = limits ? [[scale(limits.day), 'day', `${t('dayLimit')} ${limits.day} dB(A)`], [scale(limits.night), 'night', `${t('nightLimit')} ${limits.night} dB(A)`]] : [];
          return deviceRow(d, state, nameCell(d, state, false),
            bar(typeof d.values.leq === 'number' ? scale(d.values.leq) : 0, fresh ? d.state.colour : silentColour, marks),
            h('span', { class: 'num value', title: limits ? `${t('dayLimit')} ${limits.day} / ${t('nightLimit')} ${limits.night} dB(A)` : '' },
              `${fmt(d.values.leq, 1)} dB(A)`, h('small', { class: 'dim' }, d.state.limit === null ? '' : ` ${t(period === 'night' ? 'nightLimit' : 'dayLimit')} ${fmt(d.state.limit, 0)}`)));
        },
      };
    }));
  },
};
