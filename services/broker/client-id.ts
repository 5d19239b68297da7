/**
 * The client ids a login may use (issue 18, item 5): its own id, or its id, a hyphen and a
 * suffix of the client's choosing (`air-001-replay-3f9a1c`: a tool beside the device). A live
 * session is closed by a new one with the same client id [MQTT-3.1.4-2], so an id bound to the
 * login means a device can only ever take over its own sessions, never another's.
 * mosquitto's `use_username_as_clientid` is the same idea without the suffix.
 */
export function clientIdFitsLogin(clientId: string, login: string): boolean {
  if (clientId.length === login.length) return clientId === login;
  return clientId.length > login.length + 1 && clientId.charCodeAt(login.length) === 0x2d && clientId.startsWith(login);
}

/** What a login id is in the registry now: a device's, an observer's, or nobody's. */
export type RegisteredAs = (id: string) => 'device' | 'observer' | undefined;

/** The registry's answer to RegisteredAs: the one lookup every broker door asks. */
export const registeredIn = (registry: { device(id: string): unknown; observer(id: string): unknown }): RegisteredAs =>
  (id) => (registry.device(id) !== undefined ? 'device' : registry.observer(id) !== undefined ? 'observer' : undefined);

/**
 * The registered login whose own client ids include this one, other than the login's: `grid-buxin`
 * logging in as `grid-buxin-t1` or `grid-buxin-t1-tool` fits its own `<id>-<suffix>` form, but those
 * are the client ids of the registered device `grid-buxin-t1`, whose sessions it would close (red
 * team 4: 46 such pairs in the seeded fleet). An observer's ids are its own as much (red team pass:
 * the device air-sungang closed the wall screen `air-sungang-wall`'s session). The longest
 * registered prefix owns the client id.
 */
function ownerOtherThan(clientId: string, login: string, registeredAs: RegisteredAs): string | null {
  if (clientId !== login && registeredAs(clientId) !== undefined) return clientId;
  for (let at = clientId.indexOf('-', login.length + 1); at !== -1; at = clientId.indexOf('-', at + 1)) {
    const prefix = clientId.slice(0, at);
    if (registeredAs(prefix) !== undefined) return prefix;
  }
  return null;
}

/** Control characters (U+0000 among them) and U+FFFD, what invalid UTF-8 decodes to [MQTT-1.5.3-1/2]. */
function notAString(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0xfffd) return true;
  }
  return false;
}

/**
 * Why a CONNECT's client id is refused (CONNACK 2, identifier rejected), or null when it is not.
 * `declaredEmpty`: the client sent a zero-byte id (the broker then names the session itself).
 */
export function clientIdRefusal(clientId: string, declaredEmpty: boolean, clean: boolean, login: string, registeredAs: RegisteredAs = () => undefined): string | null {
  if (declaredEmpty) {
    // [MQTT-3.1.3-8]: a zero-byte ClientId with CleanSession 0 is answered with CONNACK 0x02.
    return clean ? null : 'an empty client id needs a clean session (MQTT-3.1.3-8)';
  }
  if (notAString(clientId)) return `client id ${JSON.stringify(clientId.slice(0, 100))} holds a control character or invalid UTF-8 (MQTT-1.5.3-1/2)`;
  if (!clientIdFitsLogin(clientId, login)) return `client id ${JSON.stringify(clientId.slice(0, 100))} is not ${login} or ${login}-<suffix>`;
  // A persistent session outlives its connection, and the broker queues each of its QoS 1/2
  // subscriptions' messages for it, in memory, until it comes back: an observer's offline session
  // queued the whole district's telemetry for good, and one device's secret made any number of
  // `<id>-<suffix>` ones, each queueing its notices (red team 11: 20 offline observer sessions,
  // +840 MiB in 30 s). Only a registered device's own client id keeps one: one session a device.
  if (!clean && (clientId !== login || registeredAs(login) !== 'device')) return `client id ${JSON.stringify(clientId.slice(0, 100))} may not keep a persistent session (clean session 0): only a device's own client id may; connect with a clean session`;
  const owner = ownerOtherThan(clientId, login, registeredAs);
  return owner === null ? null : `client id ${JSON.stringify(clientId.slice(0, 100))} belongs to the registered ${registeredAs(owner)} ${owner}, not to ${login}`;
}
