import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AlarmService } from '../alarms/alarm-types.ts';
import { alarmSchema, alarmStateSchema } from '../alarms/alarm-schema.ts';
import { toEpochMs } from '../standards/beijing-time.ts';

export interface AlarmRouteDeps {
  readonly alarms: AlarmService;
}

/** Who acts, as the credential says (the token's role); never what the body claims (issue 18 item 14). */
export type ActorOf = (request: FastifyRequest) => string;

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const dayMs = 86_400_000;

/** Epoch ms of a query time: a bare date is a Beijing date (its start, or for `to` its end). */
function timeOf(text: string, end: boolean): number {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  if (dayPattern.test(text)) return Date.parse(`${text}T00:00:00+08:00`) + (end ? dayMs : 0);
  return toEpochMs(text);
}

const validTime = (text: string) => {
  try {
    return Number.isFinite(timeOf(text, false)) && (!dayPattern.test(text) || new Date(`${text}T00:00:00Z`).toISOString().startsWith(text));
  } catch {
    return false;
  }
};
const queryTime = z.string().max(40).refine(validTime, 'YYYY-MM-DD (a Beijing date), ISO 8601 with a zone, or epoch ms');

const listQuery = z.strictObject({
  state: alarmStateSchema.optional(),
  from: queryTime.optional().describe('alarms active at or after this time; a bare date is a Beijing date'),
  to: queryTime.optional().describe('alarms active before this time; a bare date includes that Beijing day'),
});
const idParams = z.strictObject({ id: z.string().min(1).max(200) });
// One line as history stores it (line breaks become spaces, control characters go), so that the
// alarm in memory is the alarm InfluxDB keeps. No `by`: who acts comes from the credential.
const actionBody = z.strictObject({
  note: z.string().max(1_000).default('').transform((text) => text.replace(/[\r\n]+/g, ' ').replace(/\p{Cc}/gu, '')),
});
const errorSchema = z.object({ code: z.string(), message: z.string() });

/**
 * A request that does not match its schema (or whose body is not JSON): 400 WX_ERR_INVALID_ARGUMENT
 * with the parameter named. Anything else goes on to the API's error handler.
 */
function validationErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const unreadable = error.statusCode === 400 && error.code?.startsWith('FST_');
  if (error.validation || unreadable) return reply.code(400).send({ code: 'WX_ERR_INVALID_ARGUMENT', message: error.message });
  throw error;
}

/** GET /api/v1/alarms, POST /api/v1/alarms/:id/ack and /close (operator role, with a note). */
export function registerAlarmRoutes(app: FastifyInstance, deps: AlarmRouteDeps, actorOf: ActorOf = () => 'operator'): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/api/v1/alarms', {
    schema: { summary: 'Alarms by state and time', querystring: listQuery, response: { 200: z.object({ alarms: z.array(alarmSchema) }), 400: errorSchema } },
    errorHandler: validationErrors,
  }, async (request) => {
    const { state, from, to } = request.query;
    const alarms = deps.alarms.list({ state, fromMs: from === undefined ? undefined : timeOf(from, false), toMs: to === undefined ? undefined : timeOf(to, true) });
    return { alarms };
  });

  // The screen checks an operator token here before it keeps it (issue 21: its dialog took anything):
  // the access control answers 401, 403 or 429 as it would for an action, and nothing changes.
  routes.get('/api/v1/alarms/access', {
    config: { access: 'operator' },
    schema: { summary: 'Whether the bearer token may acknowledge and close alarms (204), nothing changed', response: { 204: z.null().describe('the token may act as operator') } },
  }, async (_request, reply) => reply.code(204).send(null));

  for (const [action, verb] of [['ack', 'acknowledge'], ['close', 'closeAlarm']] as const) {
    routes.post(`/api/v1/alarms/:id/${action}`, {
      config: { access: 'operator' },
      schema: {
        summary: action === 'ack' ? 'Acknowledge an open alarm' : 'Close an alarm',
        params: idParams,
        body: actionBody,
        response: { 200: alarmSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
      },
      errorHandler: validationErrors,
    }, async (request) => {
      const alarm = await deps.alarms[verb](request.params.id, actorOf(request), request.body.note);
      // Answered once the change is on disk (red team 7: an acknowledgement answered 200 was lost with InfluxDB away and a restart).
      await deps.alarms.persisted();
      return alarm;
    });
  }
}
