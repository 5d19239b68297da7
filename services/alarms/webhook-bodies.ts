import type { AlarmChange } from './alarm-types.ts';

export type WebhookStyle = 'json' | 'robot';

const verbs = {
  opened: ['告警', 'ALARM'],
  updated: ['告警更新', 'ALARM UPDATED'],
  acknowledged: ['已确认', 'ACKNOWLEDGED'],
  closed: ['已关闭', 'CLOSED'],
} as const;

/**
 * The body POSTed for an alarm change. `json`: the change itself, for a program at the far end.
 * `robot`: a WeCom (企业微信) or DingTalk (钉钉) group robot's text message, which both accept in
 * the same shape: {"msgtype":"text","text":{"content":"..."}}.
 */
export function webhookBody(style: WebhookStyle, change: AlarmChange): string {
  if (style === 'json') return JSON.stringify({ kind: change.kind, alarm: change.alarm });
  const { alarm } = change;
  const [zh, en] = verbs[change.kind];
  const lines = [`【万象${zh}】${alarm.textZh}`, `[Wanxiang ${en}] ${alarm.textEn}`, `${alarm.severity} · ${alarm.ruleId} · ${alarm.deviceId} · ${alarm.id}`];
  const note = alarm.notes.at(-1);
  if (note && (change.kind === 'acknowledged' || change.kind === 'closed')) lines.push(`${note.by}: ${note.text}`);
  return JSON.stringify({ msgtype: 'text', text: { content: lines.join('\n') } });
}
