/**
 * The ingest workers' session client ids: stable, so that a persistent session survives a
 * restart, and in a namespace no device or observer login can reach.
 *
 * A login with a live session's client id closes that session [MQTT-3.1.4-2], and with
 * clean = false takes its subscriptions and queued messages. Devices and observers log in with
 * client ids `<id>` (mosquitto's use_username_as_clientid) or `<id>-<suffix>` (EMQX HTTP auth,
 * services/broker/client-id.ts), and every such id begins with a letter or digit
 * (deviceIdPattern in services/topics.ts, which observers' ids match too). A client id that
 * begins with `_` is none of those forms for any id, registered now or later: no start-time
 * check against the registry is needed, and a device added while a worker runs cannot take it.
 *
 * Brokers: an MQTT 3.1.1 server must accept 1-23 letters and digits and may accept more
 * [MQTT-3.1.3-5]. mosquitto 2 takes any valid UTF-8 client id under MQTT 3.1.1 (unless
 * `clientid_prefixes` is set, which the exported configuration never does; Debian's 2.0.11 in
 * tests/cluster/ingest-session-ids.test.ts), EMQX 5 up to `mqtt.max_clientid_len` bytes (default
 * 65535). The id is at most 11 + 64 + 1 + 2 = 78 ASCII characters (node ids and Linux host names
 * are at most 64, sessions at most 64), under the 256 the EMQX authentication body takes (emqx-auth.ts).
 */
export const sessionClientId = (nodeId: string, index: number): string => `_wx-ingest.${nodeId}.${index}`;

/**
 * The client ids workers used before: `<node id>-<index>`, which a device named `<node id>` (EMQX)
 * or `<node id>-<index>` (mosquitto) could log in with. Only the migration of the sessions left
 * under these ids uses it (legacy-sessions.ts).
 */
export const legacySessionClientId = (nodeId: string, index: number): string => `${nodeId}-${index}`;
