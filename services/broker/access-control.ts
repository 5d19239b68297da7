import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.ts';
import { familyIds } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry, Principal } from '../registry/device-registry.ts';
import { deviceIdPattern, type Topics } from '../topics.ts';
import { createTopicCache } from '../ingest/topic-cache.ts';
import { createLoginThrottle } from './login-throttle.ts';

export interface LoginLimits {
  readonly loginFailuresPerAddress: number;
  readonly loginFailuresPerDevice: number;
  readonly loginThrottleMs: number;
}

export type PublishDecision = { readonly allowed: true } | { readonly allowed: false; readonly code: ErrorCode; readonly message: string };

/** Every message a device may publish gets this one decision: nothing is built per message. */
const allowed: PublishDecision = Object.freeze({ allowed: true });

/** Who may connect, publish and subscribe; the principal of each connection is remembered here. */
export function createAccessControl(deps: { registry: DeviceRegistry; topics: Topics; metrics: Metrics; log: Logger; limits: LoginLimits; addressOf: (client: Client) => string | undefined }) {
  const { registry, topics, metrics, log, limits } = deps;
  const principals = new WeakMap<Client, Principal>();
  const address = deps.addressOf;
  const throttle = createLoginThrottle({ windowMs: limits.loginThrottleMs });
  const parseTopic = createTopicCache(topics);

  function refuseLogin(client: Client, id: string, code: ErrorCode, returnCode: 4 | 5, callback: (error: AuthenticateError | null, success: boolean | null) => void) {
    if (code !== 'WX_ERR_LOGIN_THROTTLED') {
      throttle.recordFailure(`address:${address(client)}`);
      throttle.recordFailure(`device:${id}`);
    }
    metrics.authFailures.inc({ code });
    log.warn({ code, id, clientId: client.id, address: address(client) }, 'MQTT login refused');
    const error = Object.assign(new Error(code), { returnCode }) as AuthenticateError;
    callback(error, false);
  }

  // A subscription filter an observer may hold: telemetry or status of any family/device, and
  // the alarm changes. Nobody but the platform publishes alarms: a client's publish there is
  // not its own telemetry or status, so decidePublish refuses it.
  function observerMayRead(filter: string): boolean {
    if (filter === topics.alarms()) return true;
    if (filter === topics.stationFrames() || topics.parseStationFrames(filter) !== null) return true; // raw HJ 212 frames (issue 20, item 5)
    const levels = filter.split('/');
    if (levels.length !== 5 || levels[0] !== topics.prefix || levels[1] !== 'v1') return false;
    const [, , family, device, kind] = levels as [string, string, string, string, string];
    return (family === '+' || (familyIds as string[]).includes(family))
      && (device === '+' || deviceIdPattern.test(device))
      && (kind === 'telemetry' || kind === 'status');
  }

  return {
    principal: (client: Client) => principals.get(client),

    authenticate(client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, callback: (error: AuthenticateError | null, success: boolean | null) => void) {
      const id = username ?? '';
      if (throttle.isThrottled(`address:${address(client)}`, limits.loginFailuresPerAddress) || throttle.isThrottled(`device:${id}`, limits.loginFailuresPerDevice)) {
        return refuseLogin(client, id, 'WX_ERR_LOGIN_THROTTLED', 5, callback);
      }
      if (!id || !password) return refuseLogin(client, id, 'WX_ERR_BAD_CREDENTIALS', 4, callback);
      registry.login(id, password.toString('utf8')).then((result) => {
        if (!result.ok) return refuseLogin(client, id, result.code, result.code === 'WX_ERR_BAD_CREDENTIALS' ? 4 : 5, callback);
        principals.set(client, result.principal);
        callback(null, true);
      }, (error: unknown) => {
        log.error({ err: error, id }, 'login check failed');
        callback(Object.assign(new Error('WX_ERR_INTERNAL'), { returnCode: 3 }) as AuthenticateError, false);
      });
    },

    /** A device publishes only its own telemetry and status (not cmd, not errors); observers publish nothing. */
    decidePublish(client: Client | null, packet: PublishPacket): PublishDecision {
      const target = parseTopic(packet.topic);
      if (client === null) {
        // An obsolete Last Will replayed from persistence after a restart: only an 'offline' status passes.
        return target?.kind === 'status' ? allowed : { allowed: false, code: 'WX_ERR_TOPIC_NOT_ALLOWED', message: 'stale will outside status topics' };
      }
      const principal = principals.get(client);
      if (principal?.role !== 'device') {
        return { allowed: false, code: 'WX_ERR_TOPIC_NOT_ALLOWED', message: `${principal?.role ?? 'anonymous'} ${principal?.id ?? client.id} may not publish` };
      }
      const own = target && target.deviceId === principal.id && target.family === principal.device.family && (target.kind === 'telemetry' || target.kind === 'status');
      if (!own) {
        return { allowed: false, code: 'WX_ERR_TOPIC_NOT_ALLOWED', message: `device ${principal.id} may not publish to ${JSON.stringify(packet.topic.slice(0, 200))}` };
      }
      return allowed;
    },

    authorizeSubscribe(client: Client | null, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) {
      const principal = client ? principals.get(client) : undefined;
      const allowed = principal?.role === 'observer'
        ? observerMayRead(subscription.topic)
        : principal?.role === 'device' && (subscription.topic === topics.build(principal.device.family, principal.id, 'cmd') || subscription.topic === topics.build(principal.device.family, principal.id, 'errors'));
      if (allowed) return callback(null, subscription);
      metrics.subscribeRefused.inc({ code: 'WX_ERR_SUBSCRIBE_NOT_ALLOWED' });
      log.warn({ code: 'WX_ERR_SUBSCRIBE_NOT_ALLOWED', id: principal?.id, filter: subscription.topic.slice(0, 200) }, 'subscription refused');
      // A null subscription makes aedes answer SUBACK 0x80 (failure) for this filter [MQTT-3.9.3].
      callback(null, null);
    },
  };
}

export type AccessControl = ReturnType<typeof createAccessControl>;
