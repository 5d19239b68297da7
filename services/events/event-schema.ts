import { z } from 'zod';
import { familyIds } from '../families/index.ts';
import { eventStates } from './event-types.ts';
import { timelinePageSize } from './timeline-page.ts';
import { eventCauseIds, resolutionCauseIds } from './resolution-causes.ts';

const severity = z.enum(['info', 'warning', 'critical']);
const note = z.string();

export const eventStateSchema = z.enum(eventStates);

const eventAlarmSchema = z.object({
  id: z.string(), ruleId: z.string(), deviceId: z.string(), severity, textZh: z.string(), textEn: z.string(), openedAtMs: z.number(), closedAtMs: z.number().nullable(),
});

const joinRunSchema = z.object({
  count: z.number().int().describe('how many alarms of this rule and device joined one after another, each closed before the next'),
  firstAtMs: z.number().describe('when the first of them joined'),
  firstAlarmId: z.string(),
}).describe('a flapping device: its run of joins as one entry, of the latest alarm (docs/events.md)');

const recordShapes = [
  z.object({ kind: z.literal('opened'), atMs: z.number(), by: z.string(), family: z.enum(familyIds), street: z.string().nullable(), alarm: eventAlarmSchema }),
  z.object({ kind: z.literal('joined'), atMs: z.number(), by: z.string(), alarm: eventAlarmSchema, run: joinRunSchema.optional() }),
  z.object({ kind: z.literal('alarm-closed'), atMs: z.number(), by: z.string(), alarmId: z.string() }),
  z.object({ kind: z.literal('dispatched'), atMs: z.number(), by: z.string(), department: z.string(), ackDueAtMs: z.number(), resolveDueAtMs: z.number(), note }),
  ...(['started', 'closed', 'reopened', 'commented'] as const).map((kind) => z.object({ kind: z.literal(kind), atMs: z.number(), by: z.string(), note })),
  // Without `cause` here a cluster's replicas lost it: zod drops keys a shape does not name (event-patch.ts).
  z.object({ kind: z.literal('resolved'), atMs: z.number(), by: z.string(), note, cause: z.enum(resolutionCauseIds).optional().describe('why it happened (docs/events.md); absent on a resolution made before causes were kept') }),
  z.object({ kind: z.literal('escalated'), atMs: z.number(), by: z.string(), reason: z.enum(['not-acknowledged', 'not-resolved']), department: z.string(), to: z.string().nullable() }),
  z.object({
    kind: z.literal('severity-raised'), atMs: z.number(), by: z.string(), alarmId: z.string().describe('the more severe alarm that joined'), from: severity, severity,
    titleZh: z.string(), titleEn: z.string(), ackDueAtMs: z.number().nullable(), resolveDueAtMs: z.number().nullable(),
  }),
] as const;

/** A timeline entry: every change, comment and note, with who made it (a person's name, a role, or `system`). */
export const eventRecordSchema = z.discriminatedUnion('kind', recordShapes);
/** A timeline entry as the API answers it, with its place on the timeline (timeline-page.ts). */
const seq = z.number().int().describe('its place on the timeline: 0 is the opening');
const timelineEntrySchema = z.discriminatedUnion('kind', [recordShapes[0].extend({ seq }), ...recordShapes.slice(1).map((shape) => shape.extend({ seq }))]);

const eventFields = {
  id: z.string(),
  family: z.enum(familyIds),
  street: z.string().nullable().describe('null for a district-wide event (departments.json joinScope)'),
  severity,
  state: eventStateSchema,
  titleZh: z.string(),
  titleEn: z.string(),
  alarms: z.array(eventAlarmSchema).readonly(),
  department: z.string().nullable(),
  openedAtMs: z.number(),
  updatedAtMs: z.number(),
  lastAlarmAtMs: z.number(),
  dispatchedAtMs: z.number().nullable().describe('the first dispatch; every dispatch is on the timeline'),
  acknowledgedAtMs: z.number().nullable().describe('when the department started (in progress)'),
  resolvedAtMs: z.number().nullable(),
  closedAtMs: z.number().nullable(),
  ackDueAtMs: z.number().nullable(),
  resolveDueAtMs: z.number().nullable(),
  clearSinceMs: z.number().nullable(),
  escalations: z.array(z.object({ atMs: z.number(), reason: z.enum(['not-acknowledged', 'not-resolved']), department: z.string(), to: z.string().nullable() })).readonly(),
  reopened: z.number(),
};
const cause = z.enum(eventCauseIds).nullable().describe('the cause of its resolution (docs/events.md), `not-recorded` for a resolution made before causes were kept; null while not resolved');
const overdue = z.boolean().describe('dispatched or in progress, and past a due time not met or escalated since its latest dispatch: the wall marks it');

/** An event in a list: everything but its timeline. */
export const eventSummarySchema = z.object({ ...eventFields, cause, overdue }).describe('An event (事件): the work an alarm starts');

const timelinePageFields = {
  timeline: z.array(timelineEntrySchema).describe(`the newest entries (at most ${timelinePageSize}), oldest first: older ones through GET /api/v1/events/{id}/timeline?before=<the first's seq>`),
  timelineTotal: z.number().int().describe('how many entries the timeline has'),
};
/** An event with the newest of its timeline (timeline-page.ts). */
const suggestedReviewMark = z.object({ device: z.string(), from: z.string(), to: z.string(), reason: z.string(), comment: z.string() })
  .describe('the body of a POST /api/v1/review/marks an officer may take: never taken for them');
export const eventDetailSchema = z.object({
  ...eventFields, cause, overdue,
  suggestedReviewMarks: z.array(suggestedReviewMark).describe('resolved as a device fault or maintenance: review marks on its devices’ readings over the alarms’ span'),
  ...timelinePageFields,
});
/** A page of an event's older timeline entries. */
export const timelinePageSchema = z.object({ id: z.string(), ...timelinePageFields });

const stageFigure = z.object({ count: z.number(), medianS: z.number().nullable(), p90S: z.number().nullable() });
export const figureRowSchema = z.object({
  week: z.string().describe('the Monday (Beijing) the week starts on'), by: z.enum(['department', 'family', 'cause']).describe('`cause`: the times of the rounds that ended in a resolution with that cause'), key: z.string(),
  dispatch: stageFigure.describe('opened or reopened → first dispatch'), acknowledge: stageFigure.describe('latest dispatch → started'), resolve: stageFigure.describe('latest dispatch → resolved'),
});

/** A cause a resolution names, with its labels (resolution-causes.ts). */
export const causeSchema = z.object({ id: z.enum(resolutionCauseIds), zh: z.string(), en: z.string(), suggestsReviewMark: z.boolean().describe('a resolution with it suggests review marks on the devices’ readings') });

export const departmentSchema = z.object({
  id: z.string(), nameZh: z.string(), nameEn: z.string(), street: z.string().optional(), escalateTo: z.string().optional(),
  hasWebhook: z.boolean().describe('whether it has a webhook (its URL, which holds a robot key, is never shown)'),
});

/** An event as a cluster's nodes share it (services/cluster/cluster-events.ts): all of it, its version (`changes`) and whole timeline. */
export const sharedEventSchema = z.object({ ...eventFields, changes: z.number().int(), timeline: z.array(eventRecordSchema).readonly() });
