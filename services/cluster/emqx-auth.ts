import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientIdRefusal, registeredIn } from '../broker/client-id.ts';
import { addressKey } from '../address-key.ts';
import { createLoginThrottle } from '../broker/login-throttle.ts';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { familyIds } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { deviceIdPattern, type Topics } from '../topics.ts';
import { formatZodIssues } from '../zod-issues.ts';

/**
 * EMQX 5 "HTTP service" authentication and authorization (docs.emqx.com, access-control/
 * authn/http and authz/http): EMQX posts the JSON body its template makes, and reads
 * `{ result: allow | deny | ignore, is_superuser }` from a 200 answer; a 4xx counts as
 * `ignore` (the next authenticator in the chain decides, or the client is refused).
 * The bodies below are what docs/deploy-city.md configures EMQX to send.
 */
export const emqxAuthnBody = z.strictObject({
  username: z.string().max(256),
  password: z.string().max(1_024),
  clientid: z.string().max(256).optional(),
  peerhost: z.string().max(64).optional(),
});

export const emqxAuthzBody = z.strictObject({
  username: z.string().max(256),
  topic: z.string().min(1).max(1_024),
  action: z.enum(['publish', 'subscribe', 'all']),
  clientid: z.string().max(256).optional(),
  peerhost: z.string().max(64).optional(),
  // EMQX renders placeholders inside quotes as strings: "${qos}" arrives as "1".
  qos: z.union([z.number().int().min(0).max(2), z.enum(['0', '1', '2'])]).optional(),
  retain: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});

export const emqxResult = z.strictObject({ result: z.enum(['allow', 'deny', 'ignore']), is_superuser: z.boolean().optional() });
export type EmqxResult = z.infer<typeof emqxResult>;

export interface EmqxAuthDeps {
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly metrics: Metrics;
  /** The ingest workers' broker login (reads every device's telemetry and status). */
  readonly ingestUser: string;
  readonly ingestSecret: string;
  /** What EMQX's HTTP authenticator sends in the x-wanxiang-broker-secret header (config cluster.brokerAuthSecret). */
  readonly brokerSecret: string;
  /** Wrong logins of one (peer address, username) a minute before its logins are denied unchecked (config mqtt.loginFailuresPerDevice). */
  readonly loginFailuresPerDevice?: number;
  /**
   * A wrong header secret: counted, and thrown as a wrong bearer token is, from the same per-address
   * failures (the API's Auth.refuse: WX_ERR_UNAUTHORIZED, then WX_ERR_LOGIN_THROTTLED held
   * http.wrongTokenDelayMs).
   */
  readonly refuse: (request: FastifyRequest, reply: FastifyReply, message: string) => Promise<never>;
}

/** The header EMQX's HTTP authenticator and authorizer are configured to send (docs/deploy-city.md). */
export const brokerSecretHeader = 'x-wanxiang-broker-secret';

type Who = { role: 'device'; family: string; id: string } | { role: 'observer' | 'ingest' } | null;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** A shared subscription `$share/{group}/{filter}` is authorised as its filter [MQTT-5 §4.8.2]. */
const withoutShare = (topic: string) => (topic.startsWith('$share/') ? topic.split('/').slice(2).join('/') : topic);
/** EMQX's shared forms: `$share/{group}/…` and its older `$queue/…` (one group of its own). */
const isShared = (topic: string) => topic.startsWith('$share/') || topic.startsWith('$queue/');

/** Telemetry or status of any family and device: what ingest and observers may read. */
function mayReadAll(filter: string, topics: Topics): boolean {
  const levels = filter.split('/');
  if (levels.length !== 5 || levels[0] !== topics.prefix || levels[1] !== 'v1') return false;
  const [, , family, device, kind] = levels as [string, string, string, string, string];
  return (family === '+' || (familyIds as string[]).includes(family)) && (device === '+' || deviceIdPattern.test(device)) && (kind === 'telemetry' || kind === 'status');
}

/** The same rules as the embedded broker's access control (services/broker/access-control.ts). */
export function decideEmqxAcl(who: Who, topic: string, action: 'publish' | 'subscribe' | 'all', topics: Topics): boolean {
  if (!who) return false;
  // Ingest publishes the refusal notices on devices' errors topics (issue 19, item 5).
  if (who.role === 'ingest' && action === 'publish') return topics.parse(topic)?.kind === 'errors';
  // Only ingest shares a stream: an observer in the workers' group was dealt readings the broker
  // acknowledged and nobody stored (red team 9); it reads with a subscription of its own.
  if (who.role === 'observer') return action === 'subscribe' && !isShared(topic) && mayReadAll(topic, topics);
  if (who.role !== 'device') return action === 'subscribe' && mayReadAll(withoutShare(topic), topics);
  const own = (kind: 'telemetry' | 'status' | 'cmd' | 'errors') => topic === topics.build(who.family as never, who.id, kind);
  if (action === 'publish') return own('telemetry') || own('status');
  if (action === 'subscribe') return own('cmd') || own('errors');
  return false;
}

export function registerEmqxAuthRoutes(app: FastifyInstance, deps: EmqxAuthDeps): void {
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const parsed = schema.safeParse(body ?? {});
    if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(parsed.error.issues));
    return parsed.data;
  };
  const ingestDigest = digest(deps.ingestSecret);
  const whoIs = (username: string): Who => {
    if (username === deps.ingestUser) return { role: 'ingest' };
    const device = deps.registry.device(username);
    if (device) return device.disabled ? null : { role: 'device', family: device.family, id: device.id };
    return deps.registry.file.observers.some((observer) => observer.id === username) ? { role: 'observer' } : null;
  };

  const throttle = createLoginThrottle({ windowMs: 60_000 });
  const secretDigest = digest(deps.brokerSecret);
  /**
   * Only EMQX, with the configured secret, reaches a password check: anyone else is refused before
   * any scrypt runs (issue 18 item 2: wrong guesses each cost a scrypt run on libuv's pool, where the
   * spool's fdatasync waits too). A wrong secret is refused as a wrong bearer token is (Auth.refuse):
   * counted, and past the address's failures held before its 429, so a guesser waiting for its
   * answers gets one a hold. The secret is always checked first and never refused unchecked (no
   * Auth.refuseWhileHolding here): a guesser sharing EMQX's address (a NAT, a node's SNAT) must not
   * hold back the broker's logins; the secret has 32 characters or more (cluster.brokerAuthSecret).
   */
  const assertBroker = async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = request.headers[brokerSecretHeader];
    if (typeof presented === 'string' && timingSafeEqual(digest(presented), secretDigest)) return;
    await deps.refuse(request, reply, `this endpoint answers the MQTT broker only: it needs the ${brokerSecretHeader} header`);
  };
  // The secret is checked as the request arrives, before its body is read or parsed.
  const common = { config: { access: 'broker' as const }, bodyLimit: 16_384, onRequest: (request: FastifyRequest, reply: FastifyReply) => assertBroker(request, reply) };

  app.post('/api/v1/auth/mqtt', {
    ...common,
    schema: { summary: 'EMQX HTTP authentication of an MQTT login (the broker only: x-wanxiang-broker-secret)', tags: ['broker'], security: [{ brokerSecret: [] }] },
  }, async (request): Promise<EmqxResult> => {
    const body = parse(emqxAuthnBody, request.body);
    if (body.username === deps.ingestUser) {
      return { result: timingSafeEqual(digest(body.password), ingestDigest) ? 'allow' : 'deny', is_superuser: false };
    }
    // Wrong logins are held per (device's address, username), as the embedded broker holds them:
    // a guesser at one address does not lock a device out at its own.
    // Per client, as the embedded broker counts: an IPv6 /64 is one (address-key.ts).
    const key = `login ${addressKey(body.peerhost ?? request.ip)} ${body.username}`;
    if (throttle.isThrottled(key, deps.loginFailuresPerDevice ?? 5)) {
      deps.metrics.authFailures.inc({ code: 'WX_ERR_LOGIN_THROTTLED' });
      return { result: 'deny', is_superuser: false };
    }
    // A client id bound to its login, as the embedded broker and the exported mosquitto bind it: EMQX
    // let a device log in under another's client id, close its session and, with clean=false, take
    // the subscriptions and queued messages the other held (red team 9).
    const wrongId = body.clientid === undefined
      ? `no clientid in the body: configure the authenticator's body with clientid = "\${clientid}" (docs/deploy-city.md)`
      : clientIdRefusal(body.clientid, body.clientid === '', true, body.username, registeredIn(deps.registry));
    if (wrongId !== null) {
      deps.metrics.authFailures.inc({ code: 'WX_ERR_CLIENT_ID_REFUSED' });
      return { result: 'deny', is_superuser: false };
    }
    const login = await deps.registry.login(body.username, body.password);
    if (!login.ok) {
      throttle.recordFailure(key);
      deps.metrics.authFailures.inc({ code: login.code });
    }
    return { result: login.ok ? 'allow' : 'deny', is_superuser: false };
  });

  app.post('/api/v1/auth/mqtt/acl', {
    ...common,
    schema: { summary: 'EMQX HTTP authorization of a publish or subscribe (the broker only: x-wanxiang-broker-secret)', tags: ['broker'], security: [{ brokerSecret: [] }] },
  }, async (request): Promise<EmqxResult> => {
    const body = parse(emqxAuthzBody, request.body);
    const allowed = decideEmqxAcl(whoIs(body.username), body.topic, body.action, deps.topics);
    if (!allowed) deps.metrics.publishRefused.inc({ code: body.action === 'subscribe' ? 'WX_ERR_SUBSCRIBE_NOT_ALLOWED' : 'WX_ERR_TOPIC_NOT_ALLOWED' });
    return { result: allowed ? 'allow' : 'deny' };
  });
}
