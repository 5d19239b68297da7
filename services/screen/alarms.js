import { postJson, token } from './api.js';
import { h, replace } from './dom.js';
import { currentLanguage, placeName, t } from './i18n.js';

const rank = { open: 0, acknowledged: 1, closed: 2 };
const severityRank = { critical: 0, warning: 1, info: 2 };

function when(ms) {
  return new Date(ms).toLocaleTimeString(currentLanguage() === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

/** The alarm feed: open first, then acknowledged; acknowledge with the operator token. */
export function renderAlarms(container, counter, alarms, devices, available, onChanged, toast) {
  const shown = [...alarms.values()].filter((a) => a.state !== 'closed')
    .sort((a, b) => rank[a.state] - rank[b.state] || severityRank[a.severity] - severityRank[b.severity] || b.updatedAtMs - a.updatedAtMs);
  const open = shown.filter((a) => a.state === 'open').length;
  counter.textContent = String(open);
  counter.classList.toggle('hot', open > 0);
  if (shown.length === 0) return replace(container, [h('div', { class: 'empty' }, t(available ? 'noAlarms' : 'noAlarmEngine'))]);
  replace(container, shown.slice(0, 40).map((alarm) => {
    const device = devices.get(alarm.deviceId);
    const acknowledge = async (event) => {
      event.stopPropagation();
      if (!token.get()) return toast(t('needToken'));
      try {
        const answer = await postJson(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/ack`, { note: t('ackNote') });
        onChanged(answer.alarm ?? answer);
      } catch (error) {
        toast(`${t('ackFailed')}: ${error.code ?? ''} ${error.message}`);
      }
    };
    return h('div', { class: `alarm ${alarm.severity} ${alarm.state}`, dataset: { alarm: alarm.id } },
      h('span', { class: 'sev' }),
      h('div', {},
        h('div', { class: 'text' }, currentLanguage() === 'en' ? alarm.textEn : alarm.textZh),
        h('div', { class: 'meta' }, `${t(`severity-${alarm.severity}`)} · ${device ? placeName(device.siteName, device.site) : alarm.deviceId} · ${when(alarm.openedAtMs)}`)),
      alarm.state === 'open'
        ? h('button', { class: 'btn ack', type: 'button', onclick: acknowledge }, t('acknowledge'))
        : h('span', { class: 'meta' }, t('acknowledged')));
  }));
}
