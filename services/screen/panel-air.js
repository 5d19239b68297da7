import { fmt, h, hasSparkLine, reconcile, sparkGapMs, sparkline } from './dom.js';
import { textOn, silentColour } from './colours.js';
import { currentLanguage, t } from './i18n.js';
import { alarmingDevices, familyUpdatedMs, judgedIntervalMs, model, ofFamily } from './model.js';
import { deviceRow, loadingRow, nameCell, rowState, setUpdated, signature } from './panel-common.js';

const head = () => h('div', { class: 'row head' }, h('span', {}, t('colSite')), h('span', {}, t('colAqi')), h('span', { class: 'num' }, t('colPm25')), h('span', {}, t('colSpark')));

/** Air stations: real-time AQI (HJ 633 colour, readable text), PM2.5 in µg/m³, a 24-h sparkline. */
export const airPanel = {
  id: 'air', families: ['air'],
  render(container, now) {
    setUpdated(document.getElementById('upd-air'), familyUpdatedMs('air'), model.loaded);
    if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
    const alarming = alarmingDevices();
    const devices = ofFamily('air').sort((a, b) => a.site.localeCompare(b.site));
    reconcile(container, [{ key: 'head', sig: currentLanguage(), build: head }, ...devices.map((d) => {
      const state = rowState(d, alarming, now);
      const spark = model.sparks.get(d.id) ?? [];
      return {
        key: d.id, sig: signature(d, state, currentLanguage(), spark.length, spark[spark.length - 1]),
        build: () => {
          const fresh = state.freshness === 'fresh';
          const colour = fresh ? d.state.colour : silentColour;
          return deviceRow(d, state, nameCell(d, state),
            h('span', { class: 'badge', style: { background: colour, color: textOn(colour) }, title: t(d.state.label) }, d.state.value === null ? '—' : String(d.state.value)),
            h('span', { class: 'num value', title: 'PM2.5 µg/m³' }, fmt(d.values.pm25, 1)),
            // Fewer than two readings in 24 h draw no line: say so rather than leave the column blank.
            !hasSparkLine(spark) ? h('span', { class: 'spark-none' }, t('sparkNone')) : sparkline(spark, fresh ? d.state.colour : silentColour, { toMs: now, gapMs: sparkGapMs(judgedIntervalMs(d)) }));
        },
      };
    })]);
  },
};
