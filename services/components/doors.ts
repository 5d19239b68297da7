import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { createBroker, type Broker } from '../broker/create-broker.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import { createMqttSubscriber, type Subscriber } from '../cluster/mqtt-subscriber.ts';
import { defaultSharedGroup } from '../cluster/shared-group.ts';
import type { Config } from '../config.ts';
import type { FamilyId } from '../families/index.ts';
import { createHj212Receiver, type Hj212Receiver } from '../hj212/receiver.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import { createLoginGate } from '../login-gate.ts';
import { createRefusalFeedback, type RefusalFeedback } from '../ingest/refusal-feedback.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { redactUserinfo } from '../redact-url.ts';
import { clientIdFitsLogin } from '../broker/client-id.ts';
import { ingestBrokerSecret } from '../registry/mosquitto-export.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Topics } from '../topics.ts';
import type { AlarmAnnouncer } from './alarms.ts';
import type { Part } from './part.ts';

/** Where devices reach this platform. */
export interface DoorAddresses {
  readonly mqttUrl: string;
  readonly wsUrl: string | null;
  readonly mqttsUrl: string | null;
  readonly wssUrl: string | null;
  /** `tcp://host:port`, null when the receiver is off (WX_HJ212_PORT=-1). */
  readonly hj212Url: string | null;
}

export interface DoorsPart extends Part<DoorAddresses> {
  /** The embedded broker; undefined before start and with an external one (WX_BROKER_URL). */
  readonly broker: Broker | undefined;
  /** The HJ 212 receiver (issue 20); undefined before start. */
  readonly hj212: Hj212Receiver | undefined;
  /** Refusal notices to the device (issue 19, item 5), once a door can publish them. */
  readonly refusals: RefusalFeedback | undefined;
}

// An IPv6 literal goes in brackets in a URL (RFC 3986 §3.2.2): `mqtt://::1:1883` was no URL, and the start failed reading it.
const host = (bound: string) => (bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound.includes(':') ? `[${bound}]` : bound);

/**
 * The doors readings come in by: the embedded MQTT broker, or with an external broker (a city)
 * ingest as its subscriber; and the HJ 212 receiver beside them. Opened once ingest and the alarms
 * run; what goes out through them (alarm changes, refusal notices) is wired here too. Shut before
 * anything behind them closes: no reading is acknowledged that the spool will not keep.
 */
export function createDoorsPart(deps: {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly topics: Topics;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly node: ClusterNode | undefined;
  readonly markDirty: (family: FamilyId, timeMs: number) => void;
  readonly announceAlarms: AlarmAnnouncer;
}): DoorsPart {
  const { config, log, metrics, topics, registry, ingest, node } = deps;
  let broker: Broker | undefined;
  let subscriber: Subscriber | undefined;
  let hj212: Hj212Receiver | undefined;
  let feedback: RefusalFeedback | undefined;
  let stopAnnouncing: (() => void) | undefined;
  return {
    get broker() { return broker; },
    get hj212() { return hj212; },
    get refusals() { return feedback; },
    async start() {
      const { cluster } = config;
      // One gate for the secret checks of both doors: MQTT logins and HJ 212 PWs both run scrypt on
      // libuv's pool, where the spool's fsync (every acknowledgement) waits too (red team).
      const loginGate = createLoginGate({ concurrency: config.mqtt.loginVerifyConcurrency });
      metrics.setSecretCheckSource(() => loginGate);
      // With an external broker, ingest subscribes to it and the broker does device login and ACLs.
      if (cluster.brokerUrl) {
        // The group deals messages round robin, not by device: without Redis each worker's alarms see a share of every device.
        if (!node) log.warn({ brokerUrl: redactUserinfo(cluster.brokerUrl) }, 'ingest worker without WX_REDIS_URL: with more than one worker, give each WX_REDIS_URL so that one alarm engine sees every reading');
        const ingestSecret = ingestBrokerSecret(config.fleetKey, cluster.brokerUsername, cluster.brokerPassword);
        subscriber = createMqttSubscriber({
          brokerUrl: cluster.brokerUrl, username: cluster.brokerUsername, password: ingestSecret,
          group: cluster.sharedGroup ?? defaultSharedGroup(ingestSecret), sessions: cluster.sessions, nodeId: cluster.nodeId ?? hostname(), topics, ingest, log,
          // Asked of the old session client ids only, before they are taken over (legacy-sessions.ts):
          // an observer's ids are its own as much as a device's (red team pass: a wall screen named as the node lost its session at each start).
          deviceOwning: (clientId) => [...registry.devices, ...registry.file.observers].find((login) => clientIdFitsLogin(clientId, login.id))?.id ?? null,
        });
        await subscriber.start();
        // Refusal notices go to the device through the external broker too (issue 19, item 5).
        const activeSubscriber = subscriber;
        feedback = createRefusalFeedback({ topics, registry, log, publish: (topic, payload, qos) => activeSubscriber.publish(topic, payload, { qos }) });
      } else broker = createBroker({ config, registry, topics, ingest, metrics, log, loginGate, ...(node ? { aedesOptions: node.broker.aedesOptions } : {}) });
      const { mqttPort, wsPort, tlsPort, wssPort } = broker ? await broker.start() : { mqttPort: 0, wsPort: null, tlsPort: null, wssPort: null };
      const activeBroker = broker;
      // HJ 212 stations over TCP, into the same ingest as MQTT (issue 20); off with port -1.
      hj212 = createHj212Receiver({
        config: config.hj212, logins: config.mqtt, loginGate, limits: { maxFutureMs: config.ingest.maxFutureMs, maxAgeMs: Math.max(config.ingest.maxAgeMs, config.hj212.maxAgeMs) }, registry, ingest, metrics, log, onStationValues: deps.markDirty, fleetKey: config.fleetKey,
        // Stored frames relayed to observers, PW masked, so that `record` keeps them (issue 20, item 5; red team 1);
        // masked and published only while someone subscribes (QoS 0 reaches no one else).
        onStored: activeBroker ? (station, maskedFrame) => {
          const topic = topics.stationFrames(station.id);
          if (activeBroker.observed(topic)) void activeBroker.publish(topic, maskedFrame(), { qos: 0 }).catch(() => undefined);
        } : undefined,
      });
      const hj212Port = await hj212.start();
      // Alarm changes and refusal notices go out through the embedded broker; a subscriber worker has none to publish on.
      if (activeBroker) {
        stopAnnouncing = deps.announceAlarms((change) => {
          activeBroker.publish(topics.alarms(), JSON.stringify(change), { qos: 1 }).catch((error: unknown) => log.warn({ err: error, alarm: change.alarm.id }, 'alarm change not published'));
        });
        feedback = createRefusalFeedback({
          topics, registry, log, publish: (topic, payload, qos) => activeBroker.publish(topic, payload, { qos }),
          heldFor: (deviceId, atMost) => activeBroker.heldFor(deviceId, atMost), queuedWhileAway: config.mqtt.noticesQueuedWhileAway, onNotQueued: () => metrics.refusalNoticesNotQueued.inc(),
        });
      }
      return {
        mqttUrl: cluster.brokerUrl ?? `mqtt://${host(config.mqtt.host)}:${mqttPort}`,
        wsUrl: wsPort === null ? null : `ws://${host(config.mqtt.host)}:${wsPort}`,
        mqttsUrl: tlsPort === null ? null : `mqtts://${host(config.mqtt.host)}:${tlsPort}`,
        wssUrl: wssPort === null ? null : `wss://${host(config.mqtt.host)}:${wssPort}`,
        hj212Url: hj212Port === null ? null : `tcp://${host(config.hj212.host)}:${hj212Port}`,
      };
    },
    detach() {
      // Nothing more goes out through the broker about to close (a publish into a closing Redis-backed broker is lost noisily).
      stopAnnouncing?.();
    },
    async stopInput() {
      await broker?.close();
      await hj212?.close();
      await subscriber?.close();
    },
  };
}
