import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.ts';
import { familyIds } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry, Principal } from '../registry/device-registry.ts';
import { deviceIdPattern, type Topics } from '../topics.ts';
import { createTopicCache } from '../ingest/topic-cache.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { LoginResult } from '../registry/device-registry.ts';
import { createLoginGate, type LoginGate } from '../login-gate.ts';
import { isHistoryToolSecret, simulatedDeviceSecret, verifySecret } from '../registry/secrets.ts';
import { clientIdRefusal, registeredIn } from './client-id.ts';
import { createLineBudget } from '../log-budget.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { addressKey } from '../address-key.ts';

/** A login whose client left while it waited for its turn: no scrypt is run for it. */
const gaveUp: LoginResult = Object.freeze({ ok: false, code: 'WX_ERR_BAD_CREDENTIALS' });

/** A topic MQTT forbids: U+0000, or ill-formed UTF-8, which the packet parser decodes as U+FFFD. */
const hasForbiddenText = (topic: string) => topic.includes('\u0000') || topic.includes('\uFFFD');

/** Why a device's login no longer holds (removed, disabled, secret rotated), or null when it does. */
function revocation(atLogin: DeviceRecord, now: DeviceRecord | undefined): PublishDecision | null {
  if (now && !now.disabled && now.secretHash === atLogin.secretHash) return null;
  const code: ErrorCode = now?.disabled ? 'WX_ERR_DEVICE_DISABLED' : now ? 'WX_ERR_BAD_CREDENTIALS' : 'WX_ERR_UNKNOWN_DEVICE';
  return { allowed: false, code, message: `device ${atLogin.id}: ${now ? (now.disabled ? 'disabled' : 'secret rotated') : 'removed'} since its login`, close: true };
}

/** Whether the registry still holds the credential a session logged in with. */
function stillHeldIn(registry: DeviceRegistry, principal: Principal): boolean {
  if (principal.role === 'observer') return registry.observer(principal.id)?.secretHash === principal.secretHash;
  const now = registry.device(principal.id);
  return now === principal.device || revocation(principal.device, now) === null;
}

export interface LoginLimits {
  readonly loginFailuresPerAddress: number;
  readonly loginFailuresPerDevice: number;
  readonly loginThrottleMs: number;
  readonly loginFailureDelayMs: number;
  readonly loginVerifyConcurrency: number;
}

/**
 * Warn lines for refused subscriptions, per login and minute, and for refused logins, per address
 * and minute. Each filter of a SUBSCRIBE is judged on its own, and one packet holds thousands: one
 * line each let a device write 50,000 lines (8 MB) in 2 s; refused CONNECTs came at 530 lines a
 * second from one address (red team 11). Past the budget refusals are still counted, and the next
 * line said says how many were not.
 */
const refusalLinesPerMinute = 20;

/** `close`: the connection goes too (the credential no longer holds, or the packet broke the protocol). */
export type PublishDecision = { readonly allowed: true } | { readonly allowed: false; readonly code: ErrorCode; readonly message: string; readonly close?: boolean };

/** Every message a device may publish gets this one decision: nothing is built per message. */
const allowed: PublishDecision = Object.freeze({ allowed: true });

type AuthenticateCallback = (error: AuthenticateError | null, success: boolean | null) => void;

/** Who may connect, publish and subscribe; the principal of each connection is remembered here. */
export function createAccessControl(deps: { registry: DeviceRegistry; topics: Topics; metrics: Metrics; log: Logger; limits: LoginLimits; addressOf: (client: Client) => string | undefined; loginGate?: LoginGate; fleetKey?: string }) {
  const { registry, topics, metrics, log, limits } = deps;
  const stillHeld = (principal: Principal) => stillHeldIn(registry, principal);
  const principals = new WeakMap<Client, Principal>();
  const address = (client: Client) => deps.addressOf(client) ?? 'unknown';
  // What failures, turns at the gate and log lines are counted against: one per client, an IPv6 /64 being one (address-key.ts).
  const keyOf = (client: Client) => addressKey(deps.addressOf(client));
  const throttle = createLoginThrottle({ windowMs: limits.loginThrottleMs });
  // The platform's one gate, shared with the HJ 212 receiver (both verify on libuv's pool); a broker alone makes its own.
  const gate = deps.loginGate ?? createLoginGate({ concurrency: limits.loginVerifyConcurrency });
  const subscribeRefusalLines = createLineBudget(refusalLinesPerMinute, () => Date.now());
  const loginRefusalLines = createLineBudget(refusalLinesPerMinute, () => Date.now());
  const parseTopic = createTopicCache(topics);
  const registeredAs = registeredIn(registry);
  // Clients that sent a zero-byte client id (aedes names them itself), noted at CONNECT.
  const unnamed = new WeakSet<Client>();
  // The Last Will's topic each CONNECT named, checked against the login before aedes stores the will.
  const willTopics = new WeakMap<Client, string>();

  /**
   * A will may name only the login's own status topic. Refused at publish (decidePublish) a foreign
   * will was harmless on one node, but a cluster stores wills in Redis and, when a node dies,
   * another publishes them with no client to check against (red team 7): so the login that names
   * one is refused, and no such will is ever stored.
   */
  function willRefusal(client: Client, principal: Principal): string | null {
    const topic = willTopics.get(client);
    if (topic === undefined) return null;
    const target = parseTopic(topic);
    const own = principal.role === 'device' && target !== null && target.kind === 'status' && target.deviceId === principal.id && target.family === principal.device.family;
    return own ? null : `a will may name only the device's own status topic, not ${JSON.stringify(topic.slice(0, 200))}`;
  }

  function refuseLogin(client: Client, id: string, code: ErrorCode, returnCode: 2 | 4 | 5, callback: AuthenticateCallback, detail?: string) {
    metrics.authFailures.inc({ code });
    const said = loginRefusalLines.say(keyOf(client));
    if (said !== null) log.warn({ code, id: id.slice(0, 100), clientId: client.id.slice(0, 100), address: address(client), ...(detail ? { detail } : {}), ...(said > 0 ? { refusalsNotSaid: said } : {}) }, 'MQTT login refused');
    const error = Object.assign(new Error(code), { returnCode }) as AuthenticateError;
    callback(error, false);
  }

  // A failed login counts against its address and against (address, id); past either limit its
  // answer is held (login-gate.ts): failures slow down, the right secret is never refused (item 6).
  function failureHoldMs(client: Client, id: string): number {
    const byAddress = `address:${keyOf(client)}`;
    const byPair = `pair:${keyOf(client)}\0${id}`;
    throttle.recordFailure(byAddress);
    throttle.recordFailure(byPair);
    const over = throttle.isThrottled(byAddress, limits.loginFailuresPerAddress + 1) || throttle.isThrottled(byPair, limits.loginFailuresPerDevice + 1);
    if (!over) return 0;
    metrics.loginsDelayed.inc();
    return limits.loginFailureDelayMs;
  }

  function answerLogin(client: Client, id: string, result: LoginResult, callback: AuthenticateCallback): void {
    if (result.ok) {
      const foreignWill = willRefusal(client, result.principal);
      if (foreignWill !== null) return refuseLogin(client, id, 'WX_ERR_TOPIC_NOT_ALLOWED', 5, callback, foreignWill);
      principals.set(client, result.principal);
      return callback(null, true);
    }
    refuseLogin(client, id, result.code, result.code === 'WX_ERR_BAD_CREDENTIALS' ? 4 : 5, callback);
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

    /** aedes's preConnect: notes a zero-byte client id before aedes names the client itself. */
    preConnect(client: Client, packet: { clientId: string; will?: { topic: string } | null }, callback: (error: Error | null, success: boolean) => void) {
      if (packet.clientId === '') unnamed.add(client);
      if (packet.will) willTopics.set(client, packet.will.topic);
      callback(null, true);
    },

    authenticate(client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, callback: AuthenticateCallback) {
      const id = username ?? '';
      if (!id || !password) return refuseLogin(client, id, 'WX_ERR_BAD_CREDENTIALS', 4, callback);
      // The client id is bound to the login before any secret is checked (item 5, [MQTT-3.1.3-8]).
      const wrongId = clientIdRefusal(client.id, unnamed.has(client), client.clean, id, registeredAs);
      if (wrongId !== null) return refuseLogin(client, id, 'WX_ERR_CLIENT_ID_REFUSED', 2, callback, wrongId);
      const secret = password.toString('utf8');
      // A replay or backfill, told by the secret only the installation's fleet key derives: history, no live alarms.
      // Only for a device whose own secret the key derives too (the simulated fleet's): a device with
      // a secret of its own is never sent as by a key holder.
      const fleetKey = deps.fleetKey;
      const device = registry.device(id);
      if (fleetKey !== undefined && device && !device.disabled && isHistoryToolSecret(fleetKey, id, secret)) {
        void verifySecret(simulatedDeviceSecret(fleetKey, id), device.secretHash).then((derived) =>
          answerLogin(client, id, derived ? { ok: true, principal: { role: 'device', id, device, history: true } } : { ok: false, code: 'WX_ERR_BAD_CREDENTIALS' }, callback));
        return;
      }
      const known = registry.loginWithoutScrypt(id, secret);
      if (known !== undefined) {
        // An unknown id costs no scrypt run; it still counts against the address.
        if (!known.ok && known.code === 'WX_ERR_UNKNOWN_DEVICE') {
          const holdMs = failureHoldMs(client, id);
          if (holdMs > 0) return void gate.run(keyOf(client), id, () => Promise.resolve(known), () => holdMs).then((result) => answerLogin(client, id, result, callback));
        }
        return answerLogin(client, id, known, callback);
      }
      const verify = (): Promise<LoginResult> => {
        if (client.closed) return Promise.resolve(gaveUp);
        metrics.secretChecks.inc({ door: 'mqtt' });
        return registry.login(id, secret);
      };
      const holdMs = (result: LoginResult) => (result.ok || result === gaveUp || result.code !== 'WX_ERR_BAD_CREDENTIALS' ? 0 : failureHoldMs(client, id));
      gate.run(keyOf(client), id, verify, holdMs).then((result) => answerLogin(client, id, result, callback), (error: unknown) => {
        log.error({ err: error, id }, 'login check failed');
        callback(Object.assign(new Error('WX_ERR_INTERNAL'), { returnCode: 3 }) as AuthenticateError, false);
      });
    },

    /**
     * A device publishes only its own telemetry and status (not cmd, not errors); observers
     * publish nothing. The registry is asked as it is now (conventions, habit 17): a device
     * disabled or rotated since its login publishes nothing more (issue 18, item 3). The check is
     * one map lookup and an identity comparison; only a changed record is looked at further.
     */
    decidePublish(client: Client | null, packet: PublishPacket): PublishDecision {
      const target = parseTopic(packet.topic);
      if (client === null) {
        // An obsolete Last Will replayed from persistence after a restart: only an 'offline' status passes.
        return target?.kind === 'status' ? allowed : { allowed: false, code: 'WX_ERR_TOPIC_NOT_ALLOWED', message: 'stale will outside status topics' };
      }
      let principal = principals.get(client);
      if (principal?.role === 'device') {
        const current = registry.device(principal.id);
        if (current !== principal.device) {
          const revoked = revocation(principal.device, current);
          if (revoked) return revoked;
          principals.set(client, (principal = { ...principal, device: current! }));
        }
      }
      if (principal?.role !== 'device') {
        return { allowed: false, code: 'WX_ERR_TOPIC_NOT_ALLOWED', message: `${principal?.role ?? 'anonymous'} ${principal?.id ?? client.id} may not publish` };
      }
      const own = target && target.deviceId === principal.id && target.family === principal.device.family && (target.kind === 'telemetry' || target.kind === 'status');
      if (!own) {
        // [MQTT-1.5.3-1/2]: ill-formed UTF-8 (decoded as U+FFFD) or U+0000 in a topic closes the connection.
        if (target === null && hasForbiddenText(packet.topic)) return { allowed: false, code: 'WX_ERR_BAD_TOPIC', message: 'topic with ill-formed UTF-8 or U+0000 (MQTT-1.5.3-1/2)', close: true };
        return { allowed: false, code: 'WX_ERR_TOPIC_NOT_ALLOWED', message: `device ${principal.id} may not publish to ${JSON.stringify(packet.topic.slice(0, 200))}` };
      }
      return allowed;
    },

    authorizeSubscribe(client: Client | null, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) {
      const principal = client ? principals.get(client) : undefined;
      // The registry as it is now, as for a publish: a login re-keyed, disabled or removed since subscribes to nothing more (red team 10).
      if (principal && !stillHeld(principal)) {
        metrics.subscribeRefused.inc({ code: 'WX_ERR_BAD_CREDENTIALS' });
        log.warn({ code: 'WX_ERR_BAD_CREDENTIALS', id: principal.id, filter: subscription.topic.slice(0, 200) }, 'subscription refused: the login changed since it was made');
        client!.close();
        return callback(null, null);
      }
      const allowed = principal?.role === 'observer'
        ? observerMayRead(subscription.topic)
        : principal?.role === 'device' && (subscription.topic === topics.build(principal.device.family, principal.id, 'cmd') || subscription.topic === topics.build(principal.device.family, principal.id, 'errors'));
      if (allowed) return callback(null, subscription);
      metrics.subscribeRefused.inc({ code: 'WX_ERR_SUBSCRIBE_NOT_ALLOWED' });
      const said = subscribeRefusalLines.say(principal?.id ?? client?.id ?? 'unknown');
      if (said !== null) log.warn({ code: 'WX_ERR_SUBSCRIBE_NOT_ALLOWED', id: principal?.id, filter: subscription.topic.slice(0, 200), ...(said > 0 ? { refusalsNotSaid: said } : {}) }, 'subscription refused');
      // A null subscription makes aedes answer SUBACK 0x80 (failure) for this filter [MQTT-3.9.3].
      callback(null, null);
    },
  };
}

export type AccessControl = ReturnType<typeof createAccessControl>;
