/**
 * The error catalogue: every error Wanxiang can return, count or log has one
 * stable code here. The README's error table is checked against this object by
 * tests/unit/error-catalogue.test.ts, so the two cannot drift apart.
 */
export const errorCatalogue = {
  // Telemetry payloads (counted per device and reason, kept in the dead-letter file)
  WX_ERR_MALFORMED_JSON: { status: 400, summary: 'payload is not valid JSON' },
  WX_ERR_NOT_AN_OBJECT: { status: 400, summary: 'a reading must be a JSON object (or an array of objects for a batch)' },
  WX_ERR_WRONG_TYPE: { status: 400, summary: 'a value has the wrong type (numbers as strings, null, NaN or Infinity are refused)' },
  WX_ERR_OUT_OF_RANGE: { status: 400, summary: "a value lies outside the family's plausible range" },
  WX_ERR_UNKNOWN_FIELD: { status: 400, summary: 'a field the family does not define' },
  WX_ERR_MISSING_FIELD: { status: 400, summary: 'a required field is absent' },
  WX_ERR_EMPTY_READING: { status: 400, summary: 'a reading carries no measured value' },
  WX_ERR_INCONSISTENT_VALUES: { status: 400, summary: 'values contradict each other (e.g. occupied > total spaces)' },
  WX_ERR_BATCH_TOO_LARGE: { status: 400, summary: 'a batch holds more readings than allowed' },
  WX_ERR_PAYLOAD_TOO_LARGE: { status: 413, summary: 'a message is larger than the payload limit' },
  WX_ERR_BAD_TIMESTAMP: { status: 400, summary: 'the timestamp is neither epoch ms, epoch s nor ISO 8601 with a zone' },
  WX_ERR_TIME_IN_FUTURE: { status: 400, summary: 'the timestamp lies too far in the future' },
  WX_ERR_TIME_TOO_OLD: { status: 400, summary: 'the timestamp is older than the accepted age' },
  WX_ERR_BAD_STATUS: { status: 400, summary: "a status message is not 'online' or 'offline'" },
  WX_ERR_BAD_TOPIC: { status: 400, summary: 'the topic is not a Wanxiang topic' },
  WX_ERR_FAMILY_MISMATCH: { status: 400, summary: "the topic's family is not the device's family" },
  WX_ERR_UNENCODABLE: { status: 400, summary: 'a value cannot be written as InfluxDB line protocol' },
  // Broker: who may connect, publish, subscribe
  WX_ERR_UNKNOWN_DEVICE: { status: 401, summary: 'no device or observer with this id is registered' },
  WX_ERR_BAD_CREDENTIALS: { status: 401, summary: 'the secret does not match the registered hash' },
  WX_ERR_DEVICE_DISABLED: { status: 403, summary: 'the device is disabled in the registry; it is refused and disconnected' },
  WX_ERR_LOGIN_THROTTLED: { status: 429, summary: 'too many failed logins from this address or for this device; logins wait' },
  WX_ERR_TOO_MANY_CONNECTIONS: { status: 429, summary: 'the address holds as many connections as allowed' },
  WX_ERR_TOPIC_NOT_ALLOWED: { status: 403, summary: 'a publish to a topic that is not the client’s own' },
  WX_ERR_SUBSCRIBE_NOT_ALLOWED: { status: 403, summary: 'a subscription the client’s role does not allow' },
  WX_ERR_WILDCARD_PUBLISH: { status: 400, summary: 'a PUBLISH topic holding + or # (MQTT-3.3.2-2); the connection is closed' },
  WX_ERR_PROTOCOL: { status: 400, summary: 'an MQTT protocol violation; the connection is closed' },
  // Storage
  WX_ERR_INFLUX_UNAVAILABLE: { status: 503, summary: 'InfluxDB cannot be reached or answered 5xx/429; the write is retried' },
  WX_ERR_INFLUX_REJECTED: { status: 502, summary: 'InfluxDB refused a write or query with 4xx' },
  WX_ERR_ACCOUNTING_GAP: { status: 500, summary: 'readings received that were neither written, rejected nor pending: logged as an error' },
  WX_ERR_SPOOL_FULL: { status: 503, summary: 'the spool is at its disk quota: acknowledgements wait for room (backpressure), nothing is dropped' },
  WX_ERR_SPOOL_CORRUPT: { status: 500, summary: 'a spool record failed its checksum or was torn by a crash: cut at recovery and counted' },
  WX_ERR_SPOOL_UNAVAILABLE: { status: 503, summary: 'the spool is closed or stopped after a disk error; nothing more is acknowledged' },
  WX_ERR_INFLUXD_START: { status: 500, summary: 'the local influxd did not start' },
  // Start-up
  WX_ERR_CONFIG: { status: 500, summary: 'the configuration is invalid' },
  WX_ERR_SEED_INVALID: { status: 500, summary: 'a seed file does not match its schema' },
  WX_ERR_INVALID_ARGUMENT: { status: 400, summary: 'an argument or option of a computation is invalid (a threshold, a series of the wrong length)' },
  WX_ERR_BAD_ROW: { status: 400, summary: 'a row of an evaluate batch is not valid (unknown kind, missing date, bad CSV)' },
  // HTTP API
  WX_ERR_UNAUTHORIZED: { status: 401, summary: 'a bearer token is required and was missing or unknown' },
  WX_ERR_FORBIDDEN: { status: 403, summary: 'the token’s role does not allow this action' },
  WX_ERR_NOT_FOUND: { status: 404, summary: 'no such route or resource' },
  WX_ERR_INTERNAL: { status: 500, summary: 'an unexpected error; details are in the log, not in the answer' },
  // Evaluate API (issue 13 item 16): more rows than are evaluated at once is a body too large, as the README says.
  WX_ERR_TOO_MANY_ROWS: { status: 413, summary: 'an evaluate batch holds more rows than are evaluated at once (10,000)' },
  // Alarms: operator actions on alarms, and webhook notifications of alarm changes
  WX_ERR_ALARM_NOT_FOUND: { status: 404, summary: 'no alarm with this id (closed alarms are kept for 30 days)' },
  WX_ERR_ALARM_STATE: { status: 409, summary: 'the alarm is not in a state that allows this (acknowledge an open alarm; close one not closed)' },
  WX_ERR_ALARM_LEADER_UNAVAILABLE: { status: 503, summary: 'in a cluster, no leader answered an acknowledgement or closing in time; try again once one is elected' },
  WX_ERR_WEBHOOK_FAILED: { status: 502, summary: 'a webhook delivery attempt failed (network error, timeout or non-2xx answer); it is retried with backoff' },
  WX_ERR_WEBHOOK_UNDELIVERABLE: { status: 502, summary: 'a notification was not delivered after its retries (or the queue was full); it is kept in the webhook dead-letter file' },
  // Command line and start-up (issue 13): operational failures a command exits 1 with
  WX_ERR_FILE: { status: 500, summary: 'a file cannot be read or written (missing, no permission, not a recording)' },
  WX_ERR_CONNECTION: { status: 503, summary: 'a server (broker, API, InfluxDB) cannot be reached' },
  WX_ERR_PORT_IN_USE: { status: 500, summary: 'a port to listen on is taken or the address is not this host’s' },
  WX_ERR_DATA_DIR_LOCKED: { status: 500, summary: 'the data folder (or its influxd) is in use by another run: one run per data folder, whatever the database (its lock file names the process)' },
  WX_ERR_ROLLUP_FAILED: { status: 500, summary: 'rollup windows could not be recomputed or written' },
  WX_ERR_INSECURE_LISTEN: { status: 500, summary: 'listening beyond loopback with the development fleet key or without admin and operator tokens, without the demo opt-in' },
  WX_ERR_PLATFORM_NOT_FOUND: { status: 503, summary: 'no running platform found in the data folder (runtime.json) and no URL given' },
  WX_ERR_SESSION_TAKEOVER: { status: 409, summary: 'a client connected with the client id of a live session, which is closed (MQTT-3.1.4-2)' },
  // Scale-out (issue 11): external brokers, the Redis-shared cluster, the leader
  WX_ERR_BROKER_UNAVAILABLE: { status: 503, summary: 'the external MQTT broker cannot be reached or refused the ingest login' },
  WX_ERR_REDIS_UNAVAILABLE: { status: 503, summary: 'the cluster’s Redis cannot be reached' },
  WX_ERR_LEADER_LOST: { status: 503, summary: 'this node lost the leader lease; its leader-only services stop until it wins again' },
  WX_ERR_SECRET_NOT_DERIVABLE: { status: 422, summary: 'a device’s secret does not derive from the fleet key: it is left out of the broker password file' },
  // HTTP doors (issue 18): requests refused before they reach a route
  WX_ERR_HOST_NOT_ALLOWED: { status: 421, summary: 'the request’s Host is not a name of this platform (DNS rebinding); WX_HTTP_ALLOWED_HOSTS adds names' },
  WX_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'the body’s content type is not one the route reads' },
  // The broker's doors (issue 18)
  WX_ERR_CLIENT_ID_REFUSED: { status: 403, summary: 'an MQTT client id that is neither the login’s id nor `<id>-<suffix>` (or empty with a persistent session): CONNACK 2, identifier rejected' },
  WX_ERR_RATE_LIMITED: { status: 429, summary: 'a device past its messages or readings a second (its token bucket): its messages wait and its connection is read later, nothing is dropped' },
  // The data folder (issue 19): its lock, its disk
  WX_ERR_DISK_FULL: { status: 507, summary: 'the data folder’s disk is full: the message is not acknowledged (the connection is closed) and the spool retries when space returns' },
  WX_ERR_DISK_LOW: { status: 507, summary: 'the data folder’s disk has less free space than the alarm threshold (WX_DISK_LOW_FREE_PCT); logged and shown by /healthz and a metric' },
  WX_ERR_BACKFILL_INCOMPLETE: { status: 422, summary: 'a backfill did not land every reading it sent (refused as too old, in the future, ...): counted in InfluxDB, the reasons named, exit 1' },
  // The command line's smaller mistakes (issue 19, item 7)
  WX_ERR_REGISTRY_INVALID: { status: 422, summary: 'a device registry file is not JSON (its line and column named) or does not match its schema (every problem named); a running platform keeps its previous registry and shows the refusal on /healthz and in wanxiang_registry_invalid until a valid file is saved' },
  WX_ERR_DEVICE_EXISTS: { status: 409, summary: 'a device with this id is in the registry already (`devices rotate --id ID` gives it a new secret); the command exits 3, a state conflict' },
  WX_ERR_NOT_INFLUXDB: { status: 502, summary: 'the server at INFLUX_URL answers HTTP but is not InfluxDB (its /ping has no X-Influxdb-Version header)' },
  // HJ 212 stations over TCP (issue 20, docs/devices.md)
  WX_ERR_STATION_FRAME: { status: 400, summary: 'an HJ 212 frame that cannot be read as a packet (a segment without CP, fields that do not parse; a strict station\'s frame without its tail) was refused and kept in the dead-letter file; bytes that are no frame at all (garbage between frames, a bad length field or tail) are skipped and counted by reason in `wanxiang_hj212_skipped_bytes_total{reason}`, without a record each' },
  WX_ERR_STATION_OVERSIZE: { status: 413, summary: 'an HJ 212 frame declares a data segment longer than the receiver takes (hj212.maxSegmentBytes, 4096 by default)' },
  WX_ERR_STATION_BAD_CRC: { status: 400, summary: 'an HJ 212 frame’s CRC matches none of the algorithms its station may use: dropped, not answered' },
  WX_ERR_UNKNOWN_CODE: { status: 422, summary: 'an HJ 212 packet holds factor codes no family, alias or co-located device takes: kept (stored raw and in the dead-letter), still answered' },
  WX_ERR_SPLIT_INCOMPLETE: { status: 422, summary: 'an HJ 212 split packet’s parts did not all arrive within the reassembly timeout (the parts that came are stored)' },
  // Events (issue 23): the work an alarm starts, dispatched to departments (docs/events.md)
  WX_ERR_EVENT_NOT_FOUND: { status: 404, summary: 'no event with that id (or none this department may see)' },
  WX_ERR_EVENT_STATE: { status: 409, summary: 'the event is not in a state that allows this change (e.g. resolving a closed event)' },
  WX_ERR_UNKNOWN_DEPARTMENT: { status: 400, summary: 'no department with that id in seeds/departments.json' },
  // Data review (issue 22)
  WX_ERR_MARK_NOT_FOUND: { status: 404, summary: 'no review mark with this id (a revocation names a mark)' },
  WX_ERR_MARK_REVOKED: { status: 409, summary: 'the review mark was revoked already; marks are never edited, a new mark is taken instead' },
  // The red-team pass after issues 21-25: a target the router cannot match is refused in the catalogue's terms, without echoing it
  WX_ERR_BAD_TARGET: { status: 400, summary: 'the request path is not one the router can read (malformed percent-encoding, or a path parameter over 100 characters); no route ran' },
  WX_ERR_INFLUX_DATABASE_MISSING: { status: 503, summary: "InfluxDB answered that the platform's database does not exist (dropped while the platform ran): it is created again with its retention policy and the readings are written on, none quarantined" },
  WX_ERR_REVIEW_RECORD_UNREADABLE: { status: 500, summary: 'a row of the review history (review_marks) is not a valid mark or revocation (written by hand, or by a later version): it is left out of every figure, counted in wanxiang_review_records_unreadable and named once in the log' },
  WX_ERR_TOO_MANY_SESSIONS: { status: 429, summary: 'the device has its most MQTT sessions open (mqtt.sessionsPerDevice): the login is refused with CONNACK 3 until one of them ends' },
  WX_ERR_SPOOL_ACK_FAILED: { status: 503, summary: "the spool's acknowledgement file could not be written (EMFILE, ENOSPC...): the drainer tries again with backoff; until it succeeds no space is reclaimed and written readings would be written again after a restart (InfluxDB keeps one point per series and time)" },
  // The red-team pass on the HTTP API: answers before any route (Node's own refusals, timeouts), the report builds' queue
  WX_ERR_BAD_REQUEST: { status: 400, summary: "the request is not HTTP this server reads (a malformed request line, method or header, a Content-Length that is not a number): answered before any route, then the connection is closed" },
  WX_ERR_REQUEST_TIMEOUT: { status: 408, summary: "a request's head and body did not arrive within http.requestTimeoutMs, or its body stood still for http.clientIdleMs (a slow body holds a connection otherwise): the connection is closed" },
  WX_ERR_HEADERS_TOO_LARGE: { status: 431, summary: "the request's headers are larger than the server reads (Node's 16 KiB): the connection is closed" },
  WX_ERR_BUSY: { status: 503, summary: "the report builds or evaluations waiting for their turn are as many as allowed (each costs the platform's one thread): try again after Retry-After" },
  // Red team 5: actions record a person's name only
  WX_ERR_PERSON_NAME_TAKEN: { status: 409, summary: "a person of the users file has the name of a configured token (WX_API_TOKENS, or the role an unnamed token is recorded as): that person is not let in, since actions record names only and two credentials would act as one person; rename one" },
  // Red team 6: what a command writes, and recordings as input from anyone
  WX_ERR_OUTPUT_IN_DATA_DIR: { status: 500, summary: "a command's output file (record --out) lies in a data folder or is a file the platform uses (its users file, its registry): it is not written, --force or not" },
  WX_ERR_RECORDING_TOO_LARGE: { status: 413, summary: 'a recording holds a line longer than 32 MiB, more than 5 million lines or more than 1 GiB uncompressed: it is refused, naming the line, before it fills the memory' },
  // Red team 7: an operator's change is on disk before it is answered
  WX_ERR_HISTORY_NOT_DURABLE: { status: 503, summary: "an alarm change or event record could not be written to its journal on disk (ENOSPC, EIO...): the change holds in memory and is queued for InfluxDB, but a crash before that write would lose it; the action is answered 503 so that it is not taken as done" },
  // Red team 9: Redis is reached by more than the nodes
  WX_ERR_CLUSTER_UNSEALED: { status: 500, summary: "a message or registry another node of the cluster left in Redis, or a retained message, will or queued message in the broker's persistence there, without this installation's seal (an HMAC keyed from the fleet key), or a publish routed between the nodes unsealed, more than a minute from this node's clock or replayed: refused, counted, and this node keeps what it had; someone wrote to Redis who is not a node, or the nodes have different fleet keys" },
  // A field another writer (or an older schema) made with another type cost every field of its point
  WX_ERR_FIELD_TYPE_CONFLICT: { status: 422, summary: "InfluxDB refused a field of a reading because the measurement already holds that field with another type (an outside writer or an older schema made it): the field is taken out and kept in the dead-letter file with both types, the reading's other fields are written; each refused field counts as one reading received and rejected" },
  // Red team, events pass: an event's comments had no end, and every answer carries them all
  WX_ERR_EVENT_COMMENTS_FULL: { status: 409, summary: 'the event has the most comments one event takes (500): a comment is refused; its lifecycle changes (dispatch, start, resolve, close, reopen) are still taken, with their notes' },
  // Resolution pass: a resolution says why, and a resolution is checked by someone else
  WX_ERR_UNKNOWN_CAUSE: { status: 400, summary: 'a resolution names no cause, or one not in the list of causes (services/events/resolution-causes.ts, docs/events.md): the value is named' },
  WX_ERR_EVENT_SAME_PERSON: { status: 409, summary: 'with events.closeBySomeoneElse, the person who resolved an event may not verify and close it: another operator closes it (or the condition staying clear does)' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error with a catalogue code and, where there is one, the value that failed. */
export class WanxiangError extends Error {
  readonly code: ErrorCode;
  readonly value: unknown;

  constructor(code: ErrorCode, message: string, options: { value?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WanxiangError';
    this.code = code;
    this.value = options.value;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }
}

export function isWanxiangError(error: unknown): error is WanxiangError {
  return error instanceof WanxiangError;
}
