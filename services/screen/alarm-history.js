import { getJson } from './api.js';
import { beijingDateTime, h, replace } from './dom.js';
import { t } from './i18n.js';
import { model } from './model.js';
import { placeName } from './place-names.js';
import { alarmText } from './alarm-text.js';
import { serverNow } from './clock.js';

const WEEK_MS = 7 * 86_400_000;

function timeline(alarm) {
  const steps = [[alarm.openedAtMs, t('opened'), '']];
  if (alarm.acknowledgedAtMs) steps.push([alarm.acknowledgedAtMs, t('acknowledgedAt'), alarm.acknowledgedBy ?? '']);
  for (const note of alarm.notes ?? []) steps.push([note.atMs, note.by, note.text]);
  if (alarm.closedAtMs) steps.push([alarm.closedAtMs, t('closedAt'), '']);
  steps.sort((a, b) => a[0] - b[0]);
  return h('ol', { class: 'timeline' }, steps.map(([at, what, more]) => h('li', {}, h('time', {}, beijingDateTime(at)), ` ${what}`, more ? ` · ${more}` : '')));
}

/** Closed alarms of the last 7 days, newest first, each with its timeline (opened, acknowledged, notes, closed). */
export function createAlarmHistory({ dialog, list, closeButton, toast }) {
  closeButton.addEventListener('click', () => dialog.close());
  return {
    async open() {
      replace(list, [h('p', { class: 'empty' }, t('loading'))]);
      if (!dialog.open) dialog.showModal();
      try {
        const answer = await getJson(`/api/v1/alarms?state=closed&from=${serverNow() - WEEK_MS}`);
        const alarms = answer.alarms.sort((a, b) => (b.closedAtMs ?? 0) - (a.closedAtMs ?? 0));
        if (alarms.length === 0) return replace(list, [h('p', { class: 'empty' }, t('noHistory'))]);
        replace(list, alarms.slice(0, 500).map((alarm) => h('details', { class: `past ${alarm.severity}`, dataset: { alarm: alarm.id } },
          h('summary', {}, h('b', {}, alarmText(alarm)), h('span', { class: 'meta' }, ` · ${t(`severity-${alarm.severity}`)} · ${placeName(model.devices.get(alarm.deviceId))} · ${t('closedAt')} ${beijingDateTime(alarm.closedAtMs ?? alarm.updatedAtMs)}`)),
          timeline(alarm))));
      } catch {
        replace(list, [h('p', { class: 'empty' }, t('platformUnreachable'))]);
        toast(t('platformUnreachable'));
      }
    },
  };
}
