import { beijingMinuteText } from '../standards/index.ts';
import type { WebhookStyle } from '../alarms/webhook-bodies.ts';
import type { Department } from './departments.ts';
import type { DistrictEvent, EventRecord } from './event-types.ts';

const verbs: Partial<Record<EventRecord['kind'], readonly [string, string]>> = {
  dispatched: ['派单', 'DISPATCHED'],
  escalated: ['超时升级', 'ESCALATED'],
  // A more severe alarm joined: the title, the severity and the due times changed (event-engine.ts join()).
  'severity-raised': ['事态加重', 'SEVERITY RAISED'],
  reopened: ['事件复发', 'REOPENED'],
  closed: ['已办结', 'CLOSED'],
};

/** Which records a department hears of: what it must act on, what makes it more urgent, and the end of it. */
export const noticeKinds = new Set(Object.keys(verbs));

const beijing = (ms: number | null) => (ms === null ? '—' : beijingMinuteText(ms));

/**
 * The body POSTed to a department's webhook about an event. `json`: the record and the event
 * without its timeline; `robot`: a WeCom/DingTalk text message, in the same shape alarms use.
 */
export function eventNoticeBody(style: WebhookStyle, event: DistrictEvent, record: EventRecord, department: Department): string {
  const { timeline: _timeline, changes: _changes, ...summary } = event;
  if (style === 'json') return JSON.stringify({ kind: record.kind, record, event: summary, department: department.id });
  const [zh, en] = verbs[record.kind] ?? ['事件', 'EVENT'];
  const lines = [
    `【万象${zh}】${department.nameZh}：${event.titleZh}`,
    `[Wanxiang ${en}] ${department.nameEn}: ${event.titleEn}`,
    `${event.severity} · ${event.family} · ${event.street ?? 'district'} · ${event.id} · ${event.alarms.length} alarm(s)`,
    `响应时限 ack due ${beijing(event.ackDueAtMs)} · 办结时限 resolve due ${beijing(event.resolveDueAtMs)} (Beijing)`,
  ];
  if (record.kind === 'escalated') lines.push(`${record.department}: ${record.reason}`);
  if (record.kind === 'severity-raised') {
    const alarm = event.alarms.find((entry) => entry.id === record.alarmId);
    lines.push(`${record.from} → ${record.severity}${alarm ? ` · ${alarm.deviceId}` : ''}`);
  }
  if ('note' in record && record.note) lines.push(`${record.by}: ${record.note}`);
  return JSON.stringify({ msgtype: 'text', text: { content: lines.join('\n') } });
}
