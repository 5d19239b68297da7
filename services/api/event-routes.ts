import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { familyIds } from '../families/index.ts';
import { dayMs } from '../events/closed-horizon.ts';
import { isOverdue, type EventService } from '../events/event-engine.ts';
import { causeSchema, departmentSchema, eventDetailSchema, eventStateSchema, eventSummarySchema, figureRowSchema, timelinePageSchema } from '../events/event-schema.ts';
import type { DistrictEvent } from '../events/event-types.ts';
import { responseFigures } from '../events/figures.ts';
import { shiftHandover } from '../events/handover.ts';
import { timelinePage, timelinePageSize } from '../events/timeline-page.ts';
import { eventCause } from '../events/event-cause.ts';
import { causeList, eventCauseIds, requireCause, resolutionCauseIds } from '../events/resolution-causes.ts';
import { suggestedReviewMarks } from '../events/review-suggestion.ts';
import type { Person } from '../people/people.ts';
import type { Auth } from './auth.ts';
import { errorSchema } from './live-schemas.ts';

export interface EventRouteDeps {
  readonly events: EventService;
  readonly auth: Pick<Auth, 'person'>;
  readonly now?: () => number;
}

const tags = ['events'];
// Events name the people who acted: they are read with a credential (access `signed-in`) even where
// the district's readings are open; a session cookie of the screen counts as a reader. The OpenAPI
// security comes from that declared access (openapi-tags.ts).
const week = 7 * 86_400_000;
const epochMs = z.string().regex(/^\d{1,16}$/, 'epoch ms').transform(Number);

const listQuery = z.strictObject({
  state: eventStateSchema.optional(),
  department: z.string().max(64).optional(),
  family: z.enum(familyIds).optional(),
  street: z.string().max(64).optional(),
  cause: z.enum(eventCauseIds).optional().describe('only events whose resolution names this cause; `not-recorded`: resolved before causes were kept'),
  overdue: z.enum(['true', 'false']).transform((text) => text === 'true').optional().describe('only events dispatched or in progress that are past a due time, or escalated since their latest dispatch'),
  q: z.string().max(200).optional().describe('words in the title, id, devices, department or the timeline’s notes'),
  from: epochMs.optional().describe('events not closed before this time, epoch ms'),
  to: epochMs.optional().describe('events opened before this time, epoch ms'),
});
const idParams = z.strictObject({ id: z.string().min(1).max(200) });
const actionBody = z.strictObject({ note: z.string().max(2_000).default('') });
// The cause is checked in the handler, not by the schema: its refusal names the cause list and the value (WX_ERR_UNKNOWN_CAUSE).
const resolveBody = z.strictObject({ note: z.string().max(2_000).default(''), cause: z.string().max(64).optional().describe(`why it happened, required: ${resolutionCauseIds.join(', ')} (docs/events.md)`) });
const dispatchBody = z.strictObject({ note: z.string().max(2_000).default(''), department: z.string().max(64).optional().describe('by default the department its route names') });
const figuresQuery = z.strictObject({ weeks: z.string().regex(/^\d{1,2}$/).transform(Number).pipe(z.number().int().min(1).max(52)).default(4).describe('weeks back from now, 1-52') });
const handoverQuery = z.strictObject({ hours: z.string().regex(/^\d{1,2}$/).transform(Number).pipe(z.number().int().min(1).max(72)).default(12).describe('the shift: hours back from now, 1-72') });
const timelineQuery = z.strictObject({
  before: z.string().regex(/^\d{1,9}$/, 'a seq').transform(Number).optional().describe('the seq of the oldest entry held: the page ends before it (by default, the newest entries)'),
  limit: z.string().regex(/^\d{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(timelinePageSize)).default(timelinePageSize).describe(`entries in the page, 1-${timelinePageSize}`),
});
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

/**
 * The person a request reads or acts as: its bearer token's, or the one whose token signed its
 * session in (a department's session sees the events its token sees: visibleTo), else a reader.
 * An action needs an operator's bearer token (access.ts), so an action's name is always the bearer's.
 * The admin routes record it too (admin-audit.ts).
 */
export function personOf(deps: Pick<EventRouteDeps, 'auth'>, request: FastifyRequest): Person {
  return deps.auth.person(request) ?? { role: 'reader', name: 'reader' };
}

/**
 * A department's credential sees its own events (issue 23, item 3), and those escalated to it, for
 * good: its webhook was told of them (the event inside), and a level that oversees must follow
 * what it was told to oversee after the event is sent on or reopened. Reading only: every action
 * is an operator's route (access.ts), and the figures keep to the rounds a department was sent.
 * Others see every event.
 */
const visibleTo = (person: Person) => (event: DistrictEvent) =>
  person.role !== 'department' || event.department === person.department || event.escalations.some((escalation) => escalation.to === person.department);

/** /api/v1/events: the list, one event with its timeline, actions by role, figures and the shift handover (issue 23). */
export function registerEventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const now = deps.now ?? Date.now;
  const summary = (event: DistrictEvent) => {
    const { timeline: _timeline, changes: _changes, ...rest } = event;
    return { ...rest, cause: eventCause(event), overdue: isOverdue(event, now()) };
  };
  // Every answer about one event, its actions' included, carries the newest of its timeline only.
  const detail = (event: DistrictEvent) => ({ ...summary(event), suggestedReviewMarks: suggestedReviewMarks(event), ...timelinePage(event.timeline) });
  const find = (request: FastifyRequest, id: string) => {
    const event = deps.events.get(id);
    // Another department's event is answered as no event at all: its existence is not this department's business.
    if (!event || !visibleTo(personOf(deps, request))(event)) throw new WanxiangError('WX_ERR_EVENT_NOT_FOUND', `no event ${id}`, { value: id });
    return event;
  };

  routes.get('/api/v1/events', {
    config: { access: 'signed-in' },
    schema: { tags, summary: 'Events, newest change first: filter by state, department, family, street, overdue; search words', querystring: listQuery, response: { 200: z.object({ events: z.array(eventSummarySchema) }), ...errors } },
  }, async (request) => {
    const { q, from, to, ...filters } = request.query;
    const events = deps.events.list({ ...filters, search: q, fromMs: from, toMs: to }).filter(visibleTo(personOf(deps, request)));
    return { events: events.map(summary) };
  });

  routes.get('/api/v1/events/figures', {
    config: { access: 'signed-in' },
    schema: { tags, summary: 'Time to dispatch, acknowledge and resolve: median and p90 by week, per department and per family (a department: the rounds it was sent)', querystring: figuresQuery, response: { 200: z.object({ fromMs: z.number(), toMs: z.number(), rows: z.array(figureRowSchema) }), ...errors } },
  }, async (request) => {
    const toMs = now();
    const fromMs = toMs - request.query.weeks * week;
    // Figures over events no longer held would be short without saying so (closed-horizon.ts).
    const held = deps.events.keepClosedMs;
    if (held !== undefined && request.query.weeks * week > held) {
      throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `weeks=${request.query.weeks} reaches past the closed events held (events.keepClosedDays: ${Math.round(held / dayMs)} days); older figures are in InfluxDB's events measurement (Grafana)`, { value: request.query.weeks });
    }
    const person = personOf(deps, request);
    // A department's figures are the times of the cycles it was sent, whichever department has the
    // event now (red team, events pass: an event sent on from eco-env to water showed water
    // eco-env's acknowledgement times, and eco-env no longer its own).
    const own = person.role === 'department' ? { department: person.department ?? '' } : {};
    const rows = responseFigures(deps.events.list(), { fromMs, toMs, ...own });
    return { fromMs, toMs, rows };
  });

  // Issue 23, item 4: the wall's mark of late events. Counts only, naming no one, so it is a read like
  // the district's readings (open when reads are open) and the wall needs no token to show it.
  routes.get('/api/v1/events/marks', {
    config: { access: 'read' },
    schema: { tags, summary: 'How many events are not closed, and how many of them are overdue or escalated (counts only: the wall’s mark)', response: { 200: z.object({ open: z.number(), overdue: z.number() }), ...errors } },
  }, async () => {
    const open = deps.events.list().filter((event) => event.state !== 'closed');
    return { open: open.length, overdue: open.filter((event) => summary(event).overdue).length };
  });

  routes.get('/api/v1/events/handover', {
    config: { access: 'signed-in' },
    schema: { tags, summary: 'The shift handover: opened and closed this shift, still open, overdue', querystring: handoverQuery, response: { 200: z.object({ fromMs: z.number(), toMs: z.number(), opened: z.array(eventSummarySchema), closed: z.array(eventSummarySchema), stillOpen: z.array(eventSummarySchema), overdue: z.array(eventSummarySchema) }), ...errors } },
  }, async (request) => {
    const toMs = now();
    const handover = shiftHandover(deps.events.list().filter(visibleTo(personOf(deps, request))), toMs - request.query.hours * 3_600_000, toMs);
    return { fromMs: handover.fromMs, toMs: handover.toMs, opened: handover.opened.map(summary), closed: handover.closed.map(summary), stillOpen: handover.stillOpen.map(summary), overdue: handover.overdue.map(summary) };
  });

  routes.get('/api/v1/people/me', {
    config: { access: 'signed-in' },
    schema: { tags, summary: 'Who this credential is: the name actions record, the role, a department’s id', response: { 200: z.object({ name: z.string(), role: z.enum(['reader', 'department', 'officer', 'operator', 'admin']), department: z.string().optional() }), ...errors } },
  }, async (request) => {
    const person = personOf(deps, request);
    return { name: person.name, role: person.role, ...(person.department ? { department: person.department } : {}) };
  });

  routes.get('/api/v1/departments', {
    config: { access: 'signed-in' },
    schema: { tags, summary: 'Departments events are dispatched to (webhook URLs are never shown), and the families events are about', response: { 200: z.object({ departments: z.array(departmentSchema), families: z.array(z.enum(familyIds)).describe('every sensor family (issue 25: the desk lists them without naming any)'), causes: z.array(causeSchema).describe('the causes a resolution names (docs/events.md)') }), ...errors } },
  }, async () => ({
    causes: causeList(),
    departments: deps.events.departments.departments.map(({ webhook, ...department }) => ({ ...department, hasWebhook: webhook !== undefined })),
    families: familyIds,
  }));

  routes.get('/api/v1/events/:id', {
    config: { access: 'signed-in' },
    schema: { tags, summary: `One event with the newest of its timeline (at most ${timelinePageSize} entries; older ones: /timeline)`, params: idParams, response: { 200: eventDetailSchema, ...errors } },
  }, async (request) => detail(find(request, request.params.id)));

  routes.get('/api/v1/events/:id/timeline', {
    config: { access: 'signed-in' },
    schema: { tags, summary: `Older entries of an event's timeline: the newest \`limit\` (at most ${timelinePageSize}) before the entry \`before\``, params: idParams, querystring: timelineQuery, response: { 200: timelinePageSchema, ...errors } },
  }, async (request) => {
    const event = find(request, request.params.id);
    return { id: event.id, ...timelinePage(event.timeline, request.query) };
  });

  routes.post('/api/v1/events/:id/dispatch', {
    config: { access: 'operator' },
    schema: { tags, summary: 'Dispatch (or re-dispatch) to a department, with due times by severity', params: idParams, body: dispatchBody, response: { 200: eventDetailSchema, ...errors, 409: errorSchema, 503: errorSchema } },
  }, async (request) => {
    const event = find(request, request.params.id);
    const { note, department } = request.body;
    const dispatched = await deps.events.act(event.id, { kind: 'dispatch', note, ...(department ? { department } : {}) }, personOf(deps, request).name);
    await deps.events.persisted(); // answered once the record is on disk
    return detail(dispatched);
  });

  routes.post('/api/v1/events/:id/resolve', {
    config: { access: 'operator' },
    schema: { tags, summary: 'Resolved, with its cause (one of the list) and a note: what was done', params: idParams, body: resolveBody, response: { 200: eventDetailSchema, ...errors, 409: errorSchema, 503: errorSchema } },
  }, async (request) => {
    const event = find(request, request.params.id);
    const cause = requireCause(request.body.cause);
    // A note of spaces, zero-width or control characters alone says nothing done (red team 11: "\u200b" was taken).
    if (!/[\p{L}\p{N}\p{P}\p{S}]/u.test(request.body.note)) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'a resolution needs a note: what was done');
    const acted = await deps.events.act(event.id, { kind: 'resolve', note: request.body.note, cause }, personOf(deps, request).name);
    await deps.events.persisted(); // answered once the record is on disk
    return detail(acted);
  });

  const actions = [
    ['start', 'The department has started: in progress (acknowledged)'],
    ['close', 'Closed: the operator verified the resolution (or dismisses an open event); with events.closeBySomeoneElse not the one who resolved it (WX_ERR_EVENT_SAME_PERSON)'],
    ['reopen', 'Reopened: back to open, and routed again'],
    ['comment', 'A comment on the timeline (at most 500 an event: WX_ERR_EVENT_COMMENTS_FULL)'],
  ] as const;
  for (const [action, text] of actions) {
    routes.post(`/api/v1/events/:id/${action}`, {
      config: { access: 'operator' },
      schema: { tags, summary: text, params: idParams, body: actionBody, response: { 200: eventDetailSchema, ...errors, 409: errorSchema, 503: errorSchema } },
    }, async (request) => {
      const event = find(request, request.params.id);
      const acted = await deps.events.act(event.id, { kind: action, note: request.body.note }, personOf(deps, request).name);
      await deps.events.persisted(); // answered once the record is on disk
      return detail(acted);
    });
  }
}
