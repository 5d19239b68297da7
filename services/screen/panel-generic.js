import { fmt, h, hasSparkLine, reconcile, sparkGapMs, sparkline } from './dom.js';
import { severityColour, silentColour, textOn } from './colours.js';
import { currentLanguage, t } from './i18n.js';
import { alarmingDevices, familyUpdatedMs, freshnessOf, judgedIntervalMs, model, ofFamily } from './model.js';
import { deviceRow, loadingRow, nameCell, rowState, setUpdated, signature } from './panel-common.js';
import { genericFamilies, headlineKey, presentationOf } from './families.js';
import { getJson } from './api.js';
import { serverNow } from './clock.js';

const ROTATE_MS = 20_000;
const PINNED_MS = 120_000;
// Today's key figures come from the rollups (recomputed every few seconds): once a minute is enough.
const FIGURES_EVERY_MS = 60_000;

/** A family's key figures of today, as the platform's rollups give them (issue 25 item 4), in the screen's language. */
function figuresLine(figures, family) {
  const mine = figures.filter((f) => f.family === family && f.value !== null);
  if (mine.length === 0) return null;
  const lang = currentLanguage();
  const parts = mine.map((f) => `${f.label[lang] ?? f.label.zh} ${fmt(f.value, 1)}${f.unit ? ` ${f.unit}` : ''}`);
  return h('div', { class: 'family-figures-line', title: t('noPlanTargetHint') }, h('b', {}, t('today')), parts.map((part) => h('span', { class: 'figure' }, part)), h('span', { class: 'no-target' }, t('noPlanTarget')));
}

/** Open (or acknowledged) alarms of a family. */
const openAlarms = (family) => [...model.alarms.values()].filter((a) => a.family === family && a.state !== 'closed').length;
const labelOf = (family) => (t(`familyTitle-${family}`) === `familyTitle-${family}` ? t(`family-${family}`) : t(`familyTitle-${family}`));

/**
 * One panel for every family no hand-written panel draws (issue 25, item 3): tabs with each
 * family's open alarms, the selected family's state counts, and a row per device (worst first)
 * with its headline reading and unit, its state and a 24-h sparkline. The tabs take turns every
 * 20 s; a tab the operator picks stays for two minutes.
 */
export function createGenericPanel({ tabs, summary, handWritten }) {
  let pinned = null;
  let pinnedUntil = 0;
  const families = () => genericFamilies(handWritten);
  const selected = (now) => {
    const list = families();
    if (pinned && pinnedUntil > now && list.includes(pinned)) return pinned;
    return list[Math.floor(now / ROTATE_MS) % Math.max(1, list.length)] ?? null;
  };
  let onPick = () => undefined;
  let figures = [];
  let figuresAtMs = -Infinity;
  function refreshFigures(now) {
    if (now - figuresAtMs < FIGURES_EVERY_MS) return;
    figuresAtMs = now;
    // Drawn on the next render, which onPick asks for (a tab picked and new figures both redraw the panel).
    getJson('/api/v1/compliance/figures').then((answer) => { figures = answer.figures; onPick(); }, () => { figuresAtMs = -Infinity; });
  }

  function renderTabs(current) {
    reconcile(tabs, families().map((family) => {
      const count = openAlarms(family);
      return {
        key: family, sig: JSON.stringify([currentLanguage(), count, family === current]),
        build: () => h('button', { type: 'button', class: `btn tab${family === current ? ' on' : ''}`, dataset: { family }, onclick: () => { pinned = family; pinnedUntil = serverNow() + PINNED_MS; onPick(); } },
          labelOf(family), h('b', { class: `count${count > 0 ? ' hot' : ''}`, title: t('openAlarms') }, String(count))),
      };
    }));
  }

  function renderSummary(family, now) {
    const counts = new Map();
    // A silent device's last state is not its state now (the tiles leave it out too): it counts as
    // silent, not as "impassable" or "fault" hours after its last report (wall pass).
    const countedAs = (d) => (d.state.label !== 'no-data' && freshnessOf(d, now) === 'silent' ? 'silentState' : d.state.label);
    for (const d of ofFamily(family)) counts.set(countedAs(d), (counts.get(countedAs(d)) ?? 0) + 1);
    const order = Object.keys(presentationOf(family)?.states ?? {});
    const labels = [...counts.keys()].sort((a, b) => (order.indexOf(a) >>> 0) - (order.indexOf(b) >>> 0));
    const today = figures.filter((f) => f.family === family);
    reconcile(summary, [
      { key: family, sig: JSON.stringify([currentLanguage(), [...counts]]), build: () => h('div', { class: 'family-summary-line' }, labels.map((label) => h('span', { class: 'state-count' }, `${t(label)} ${counts.get(label)}`))) },
      ...(today.some((f) => f.value !== null) ? [{ key: `${family}-figures`, sig: JSON.stringify([currentLanguage(), today.map((f) => f.value)]), build: () => figuresLine(today, family) }] : []),
    ]);
  }

  function rowOf(d, alarming, now) {
    const state = rowState(d, alarming, now);
    const key = headlineKey(d);
    const unit = key ? (model.units[d.family]?.[key] ?? '') : '';
    const spark = model.sparks.get(d.id) ?? [];
    return {
      key: d.id, sig: signature(d, state, currentLanguage(), spark.length, spark[spark.length - 1]),
      build: () => {
        const fresh = state.freshness === 'fresh';
        const colour = fresh ? (severityColour[d.state.severity] ?? silentColour) : silentColour;
        return deviceRow(d, state, nameCell(d, state),
          h('span', { class: 'num value', title: key ?? '' }, key ? `${fmt(d.values[key], 1)} ${unit}`.trim() : '—'),
          h('span', { class: 'badge', style: { background: colour, color: textOn(colour) } }, t(d.state.label)),
          !hasSparkLine(spark) ? h('span', { class: 'spark-none' }, t('sparkNone')) : sparkline(spark, colour, { toMs: now, gapMs: sparkGapMs(judgedIntervalMs(d)) }));
      },
    };
  }

  return {
    id: 'generic',
    get families() { return families(); },
    set onPick(handler) { onPick = handler; },
    selected,
    render(container, now) {
      const current = selected(now);
      const panel = container.closest('.panel');
      if (panel && panel.getAttribute('data-family') !== (current ?? '')) panel.setAttribute('data-family', current ?? '');
      setUpdated(document.getElementById('upd-generic'), current ? familyUpdatedMs(current) : null, model.loaded);
      if (!model.loaded) return reconcile(container, [{ key: 'loading', sig: currentLanguage(), build: loadingRow }]);
      refreshFigures(now);
      renderTabs(current);
      if (!current) return reconcile(container, [{ key: 'none', sig: currentLanguage(), build: () => h('div', { class: 'empty' }, t('noDevices')) }]);
      renderSummary(current, now);
      const alarming = alarmingDevices();
      // Worst first: what needs a look is above the fold. A device in alarm comes before one whose
      // reading alone looks bad (wall2: eight gauges in a critical alarm, dry again, sat below a
      // raining one, out of view), the worse alarm first, then its state, then a late or silent one.
      const alarmRank = (d) => (alarming.has(d.id) ? 3 - ({ critical: 0, warning: 1, info: 2 }[alarming.get(d.id)] ?? 2) : 0);
      const lateRank = (d) => ({ fresh: 0, late: 1, silent: 2 })[freshnessOf(d, now)] ?? 0;
      const devices = ofFamily(current).sort((a, b) => alarmRank(b) - alarmRank(a) || b.state.severity - a.state.severity || lateRank(b) - lateRank(a) || a.siteName.localeCompare(b.siteName));
      reconcile(container, devices.map((d) => rowOf(d, alarming, now)));
    },
  };
}
