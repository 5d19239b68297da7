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

/**
 * Why a CONNECT's client id is refused (CONNACK 2, identifier rejected), or null when it is not.
 * `declaredEmpty`: the client sent a zero-byte id (the broker then names the session itself).
 */
export function clientIdRefusal(clientId: string, declaredEmpty: boolean, clean: boolean, login: string): string | null {
  if (declaredEmpty) {
    // [MQTT-3.1.3-8]: a zero-byte ClientId with CleanSession 0 is answered with CONNACK 0x02.
    return clean ? null : 'an empty client id needs a clean session (MQTT-3.1.3-8)';
  }
  return clientIdFitsLogin(clientId, login) ? null : `client id ${JSON.stringify(clientId.slice(0, 100))} is not ${login} or ${login}-<suffix>`;
}
