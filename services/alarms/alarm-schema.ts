import { z } from 'zod';
import { familyIds } from '../families/index.ts';
import type { Alarm, AlarmChange } from './alarm-types.ts';

export const alarmStateSchema = z.enum(['open', 'acknowledged', 'closed']);

/**
 * An alarm as it leaves the engine: the API's answers (and its OpenAPI document) and, in a
 * cluster, what a node takes from Redis (services/cluster/cluster-alarms.ts) are held to it.
 */
export const alarmSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  family: z.enum(familyIds),
  deviceId: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  state: alarmStateSchema,
  textZh: z.string(),
  textEn: z.string(),
  value: z.number().nullable(),
  limit: z.number().nullable(),
  openedAtMs: z.number(),
  updatedAtMs: z.number(),
  acknowledgedAtMs: z.number().nullable(),
  // Names only to a caller with a credential (services/people/names-shown.ts): the role to an anonymous reader.
  acknowledgedBy: z.string().nullable().describe('who acknowledged: the person\'s name to a caller with a token or session, `operator` to an anonymous reader'),
  closedAtMs: z.number().nullable(),
  notes: z.array(z.object({ atMs: z.number(), by: z.string().describe('who wrote it: a name with a credential, the role (`operator`, `system`) without'), text: z.string() })).readonly(),
}).describe('An alarm: one per (rule, device) while open or acknowledged');

export const alarmChangeSchema = z.object({ kind: z.enum(['opened', 'updated', 'acknowledged', 'closed']), alarm: alarmSchema });

/** The alarm in `value`, or undefined when it is not one (another node's message is only as trusted as Redis). */
export function parseAlarm(value: unknown): Alarm | undefined {
  const parsed = alarmSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export function parseAlarmChange(value: unknown): AlarmChange | undefined {
  const parsed = alarmChangeSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
