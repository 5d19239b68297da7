import { h, pctDown, reconcile } from './dom.js';
import { textOn, silentColour } from './colours.js';
import { currentLanguage, t } from './i18n.js';
import { alarmingDevices, familyUpdatedMs, model, ofFamily } from './model.js';
import { loadingRow, rowState, setUpdated, signature } from './panel-common.js';
import { placeName, substationName } from './place-names.js';

const order = (a, b) => (a.attributes.level === 'substation' ? -1 : b.attributes.level === 'substation' ? 1 : a.id.localeCompare(b.id, 'en', { numeric: true }));

function cell(d, state) {
  const fresh = state.freshness === 'fresh';
  const colour = fresh ? d.state.colour : silentColour;
  const pct = typeof d.state.value === 'number' ? pctDown(d.state.value) : '—';
  const label = d.attributes.level === 'substation' ? t('substationShort') : `T${d.id.split('-t').pop()}`;
  return h('div', {
    class: `cell ${d.attributes.level}${fresh ? '' : ' silentcell'}${state.alarm ? ` alarming ${state.alarm}` : ''}`,
    style: { background: colour, color: textOn(colour) }, dataset: { device: d.id, freshness: state.freshness },
    title: `${placeName(d)} · ${pct} · ${t(d.state.label)}`,
  }, h('small', {}, label), h('span', { class: 'pct' }, pct));
}

/** Load strip: one group per substation, named, its own cell then its transformers, each with its load %. */
export const gridPanel = {
  id: 'grid', families: ['grid'],
  render(container, now) {
    setUpdated(document.getElementById('upd-grid'), familyUpdatedMs('grid'), model.loaded);
    if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
    const alarming = alarmingDevices();
    const groups = new Map();
    for (const d of ofFamily('grid')) {
      const key = String(d.attributes.substation);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(d);
    }
    reconcile(container, [...groups.entries()].map(([key, members]) => {
      members.sort(order);
      const states = members.map((d) => rowState(d, alarming, now));
      return {
        key, sig: JSON.stringify([currentLanguage(), members.map((d, i) => signature(d, states[i]))]),
        build: () => h('div', { class: 'sub' }, h('span', { class: 'subname' }, substationName(members[0])), h('div', { class: 'cells' }, members.map((d, i) => cell(d, states[i])))),
      };
    }));
  },
};
