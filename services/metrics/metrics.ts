import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorCatalogue, type ErrorCode } from '../errors.ts';
import { familyIds } from '../families/index.ts';

/** Codes a reading can be rejected with: started at zero so that rate() works from the first scrape. */
const rejectionCodes = (Object.keys(errorCatalogue) as ErrorCode[]).filter(
  (code) => (errorCatalogue[code].status < 500 && code !== 'WX_ERR_NOT_FOUND') || code === 'WX_ERR_INFLUX_REJECTED',
);

/** Every counter the platform keeps, on a registry of its own (no global state between instances). */
export function createMetrics(options: { collectProcessMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.collectProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'wanxiang_' });
  const registers = [registry];
  const zeroed = <T extends Counter<string>>(counter: T, label: string, values: readonly string[]): T => {
    for (const value of values) counter.inc({ [label]: value }, 0);
    return counter;
  };
  let queueDepthSource: () => number = () => 0;
  let secretCheckSource: () => { readonly waiting: number; readonly peak: number } = () => ({ waiting: 0, peak: 0 });
  let spoolSource: () => { bytes: number; records: number } = () => ({ bytes: 0, records: 0 });
  return {
    /** The ingest pipeline tells the queue-depth gauge where to read from at scrape time. */
    setQueueDepthSource(source: () => number) {
      queueDepthSource = source;
    },
    /** The login gate both doors share (services/login-gate.ts): its waiting and most-at-once counts, read at each scrape. */
    setSecretCheckSource(source: () => { readonly waiting: number; readonly peak: number }) {
      secretCheckSource = source;
    },
    setSpoolSource(source: () => { bytes: number; records: number }) {
      spoolSource = source;
    },
    spoolBytes: new Gauge({ name: 'wanxiang_spool_bytes', help: 'Bytes the durable spool holds on disk.', registers, collect() { this.set(spoolSource().bytes); } }),
    spoolRecords: new Gauge({ name: 'wanxiang_spool_records', help: 'Spool records (device messages) not yet written.', registers, collect() { this.set(spoolSource().records); } }),
    spoolFullWaits: new Counter({ name: 'wanxiang_spool_full_waits_total', help: 'Appends that waited for room at the spool quota (devices slowed).', registers }),
    spoolRecovered: new Counter({ name: 'wanxiang_spool_recovered_records_total', help: 'Records found in the spool at start, left by an earlier run.', registers }),
    spoolCut: new Counter({ name: 'wanxiang_spool_cut_total', help: 'Spool damage cut at recovery: torn tails and corrupt records.', labelNames: ['kind'], registers }),
    registry,
    readingsReceived: zeroed(new Counter({ name: 'wanxiang_readings_received_total', help: 'Readings received, per family (a message that cannot be parsed counts as one).', labelNames: ['family'], registers }), 'family', familyIds),
    readingsWritten: zeroed(new Counter({ name: 'wanxiang_readings_written_total', help: 'Readings written to InfluxDB, per family.', labelNames: ['family'], registers }), 'family', familyIds),
    readingsRejected: zeroed(new Counter({ name: 'wanxiang_readings_rejected_total', help: 'Readings rejected, per reason code.', labelNames: ['reason'], registers }), 'reason', rejectionCodes),
    readingsFlagged: new Counter({ name: 'wanxiang_readings_flagged_total', help: 'Readings stored with a quality flag (stuck sensor), per flag.', labelNames: ['flag'], registers }),
    authFailures: new Counter({ name: 'wanxiang_auth_failures_total', help: 'Refused MQTT logins, per code.', labelNames: ['code'], registers }),
    reportPlanBuilds: new Counter({ name: 'wanxiang_report_plan_builds_total', help: 'Report builds (/report, /api/v1/reports) by what their plan table cost: built (the year and each month evaluated), kept (a period evaluated within the last minute, 15 s while it runs), busy (refused WX_ERR_BUSY: a build running and 4 waiting).', labelNames: ['outcome'], registers }),
    httpConnectionsClosed: new Counter({ name: 'wanxiang_http_connections_closed_total', help: 'HTTP connections the API closed before answering a request, per reason: per_address (past http.connectionsPerAddress, answered 429), idle (a body silent for http.clientIdleMs), request_timeout (head and body not in within http.requestTimeoutMs), bad_request, headers_too_large.', labelNames: ['reason'], registers }),
    apiRefusals: new Counter({ name: 'wanxiang_api_refusals_total', help: 'API requests answered with a client error (4xx), per code and the route pattern that matched (none: no route did): bad arguments, bodies, unknown ids, credentials, paths.', labelNames: ['code', 'route'], registers }),
    apiAuthFailures: new Counter({ name: 'wanxiang_api_auth_failures_total', help: 'API requests and screen sign-ins refused for their credentials (missing, wrong, too weak a role, or from an address past its failures), per code.', labelNames: ['code'], registers }),
    clusterUnsealed: new Counter({ name: 'wanxiang_cluster_unsealed_total', help: 'Messages and registries found in Redis without this installation\'s seal (WX_ERR_CLUSTER_UNSEALED), refused, per kind (registry, feed, alarms, events; broker: a retained message, will or queued message of the broker\'s persistence; routing: a publish between the nodes unsealed, older than a minute or replayed).', labelNames: ['kind'], registers }),
    publishRefused: new Counter({ name: 'wanxiang_publishes_refused_total', help: 'PUBLISH packets refused by access control, per code.', labelNames: ['code'], registers }),
    ingestFailures: new Counter({ name: 'wanxiang_ingest_failures_total', help: 'Messages left unacknowledged because ingest could not store them (the spool stopped or is closing), per code; the device sends them again.', labelNames: ['code'], registers }),
    subscribeRefused: new Counter({ name: 'wanxiang_subscriptions_refused_total', help: 'SUBSCRIBE requests refused, per code.', labelNames: ['code'], registers }),
    qos2Resends: new Counter({ name: 'wanxiang_mqtt_qos2_resends_total', help: 'QoS 2 PUBLISH packets repeating a message their session had taken and not yet released (same packet id before its PUBREL, MQTT-4.3.3-2): answered PUBREC, not stored or counted again.', registers }),
    clientErrors: new Counter({ name: 'wanxiang_mqtt_client_errors_total', help: 'MQTT connections closed for a protocol error, per code.', labelNames: ['code'], registers }),
    clientsConnected: new Gauge({ name: 'wanxiang_mqtt_clients_connected', help: 'MQTT clients connected now.', registers }),
    devicesOnline: new Gauge({ name: 'wanxiang_devices_online', help: 'Devices whose last status was online.', registers }),
    batchSize: new Histogram({ name: 'wanxiang_write_batch_readings', help: 'Readings per InfluxDB write.', buckets: [1, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000], registers }),
    writeLatency: new Histogram({ name: 'wanxiang_write_duration_seconds', help: 'Duration of InfluxDB writes, retries included.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    writeRetries: new Counter({ name: 'wanxiang_write_retries_total', help: 'InfluxDB writes retried after 5xx, 429 or a network error.', registers }),
    writeBisections: new Counter({ name: 'wanxiang_write_bisections_total', help: 'Batches halved to isolate lines InfluxDB refused.', registers }),
    writeFailures: new Counter({ name: 'wanxiang_write_failures_total', help: 'InfluxDB write attempts that failed, per code.', labelNames: ['code'], registers }),
    queueDepth: new Gauge({
      name: 'wanxiang_ingest_queue_readings',
      help: 'Readings accepted and not yet written (batching or in flight).',
      registers,
      collect() {
        this.set(queueDepthSource());
      },
    }),
    rollupWindows: new Counter({ name: 'wanxiang_rollup_windows_total', help: 'Rollup windows (family, day) recomputed, per family.', labelNames: ['family'], registers }),
    rollupDuration: new Histogram({ name: 'wanxiang_rollup_run_seconds', help: 'Duration of one rollup run.', buckets: [0.1, 0.5, 1, 5, 15, 60, 300], registers }),
    accountingGap: new Gauge({ name: 'wanxiang_accounting_unexplained_readings', help: 'Readings received but neither written, rejected nor pending (should be 0).', registers }),
    deadLetters: new Counter({ name: 'wanxiang_dead_letters_total', help: 'Records appended to the dead-letter file.', registers }),
    deadLetterWriteFailures: new Counter({ name: 'wanxiang_dead_letter_write_failures_total', help: 'Dead-letter records that could not be written (a full disk, EIO): the refusal is still counted, its record is lost.', registers }),
    // Alarms (services/alarms): changes per rule, rules that could not evaluate a reading, webhook outcomes.
    alarmChanges: new Counter({ name: 'wanxiang_alarm_changes_total', help: 'Alarm changes, per rule and kind (opened, updated, acknowledged, closed).', labelNames: ['rule', 'kind'], registers }),
    alarmEvaluationErrors: new Counter({ name: 'wanxiang_alarm_evaluation_errors_total', help: 'Readings an alarm rule could not evaluate, per rule and code.', labelNames: ['rule', 'code'], registers }),
    webhookDeliveries: new Counter({ name: 'wanxiang_alarm_webhook_deliveries_total', help: 'Alarm notifications delivered to webhooks.', registers }),
    webhookFailures: new Counter({ name: 'wanxiang_alarm_webhook_failures_total', help: 'Failed webhook attempts (WX_ERR_WEBHOOK_FAILED) and undeliverable notifications (WX_ERR_WEBHOOK_UNDELIVERABLE).', labelNames: ['code'], registers }),
    // The broker's doors (issue 18): slowed logins, devices past their rate, refusal records held back.
    // The one login gate of both doors (red team: HJ 212 PWs ran scrypt beside it, 2,000 at once).
    secretChecks: new Counter({ name: 'wanxiang_secret_checks_total', help: 'Secret verifications (scrypt) run through the login gate both doors share, per door (mqtt, hj212).', labelNames: ['door'], registers }),
    secretChecksWaiting: new Gauge({ name: 'wanxiang_secret_checks_waiting', help: 'Secret verifications waiting for their turn at the login gate (at most loginVerifyConcurrency run at once, one per address).', registers, collect() { this.set(secretCheckSource().waiting); } }),
    secretChecksPeak: new Gauge({ name: 'wanxiang_secret_checks_peak', help: 'The most secret verifications that ran at once since the start (never above mqtt.loginVerifyConcurrency).', registers, collect() { this.set(secretCheckSource().peak); } }),
    loginsDelayed: new Counter({ name: 'wanxiang_mqtt_logins_delayed_total', help: 'Failed MQTT logins past the throttle limits whose answer was held (loginFailureDelayMs).', registers }),
    rateLimited: new Counter({ name: 'wanxiang_device_rate_limited_total', help: 'Messages of a device past its token bucket (WX_ERR_RATE_LIMITED), per outcome: delayed (held, its connection read later, its PUBACK later).', labelNames: ['outcome'], registers }),
    registryInvalid: new Gauge({ name: 'wanxiang_registry_invalid', help: '1 while the registry file on disk is refused (not JSON or not the schema: WX_ERR_REGISTRY_INVALID; unreadable: WX_ERR_FILE) and the previous registry stays in force, so changes made in it (a device disabled) are not; 0 once a valid file is taken. /healthz names the problem.', registers }),
    reviewRecordsUnreadable: new Gauge({ name: 'wanxiang_review_records_unreadable', help: 'Rows of the review history (review_marks) that are not a valid mark or revocation, at its last read: left out of every figure, each named once in a WX_ERR_REVIEW_RECORD_UNREADABLE warn line.', registers }),
    refusalNoticesNotQueued: new Counter({ name: 'wanxiang_refusal_notices_not_queued_total', help: 'Refusal notices sent at QoS 0 (not kept for a persistent session) because their device\'s own session already held mqtt.noticesQueuedWhileAway messages (queued while away, or sent and not yet acknowledged).', registers }),
    refusalsSuppressed: new Counter({ name: 'wanxiang_refusal_records_suppressed_total', help: 'Refusals counted but not written, per kind (dead_letter: record past the device budget; log: warn line past the device budget); a summary line says which devices.', labelNames: ['kind'], registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
