import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AlarmService } from '../alarms/alarm-types.ts';
import { buildApi, type ApiDeps } from '../api/build-api.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import { loadTargets } from '../compliance/targets.ts';
import type { EventService } from '../events/index.ts';
import type { BackfillWindow } from '../ingest/backfill-window.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import { createLive, type Live } from '../live/create-live.ts';
import { createPeople, type People } from '../people/people.ts';
import { ingestBrokerSecret } from '../registry/mosquitto-export.ts';
import type { ReviewService } from '../review/review-service.ts';
import type { Topics } from '../topics.ts';
import type { Part, PartBasics } from './part.ts';

export interface ServingPart extends Part<{ readonly httpUrl: string }> {
  /** Undefined until built. */
  readonly live: Live | undefined;
}

/**
 * What answers people: the live view (latest readings, tiles, the event stream), who each
 * credential is (issue 23, item 1) and the HTTP API, listening last. Closed after the doors: the
 * live view first, since the event stream's connections are held open and the API's close would
 * wait on them; the people after the API, which asks them to the last request.
 */
export function createServingPart(deps: PartBasics & {
  readonly topics: Topics;
  readonly ingest: Ingest;
  readonly alarms: AlarmService;
  readonly events: EventService | undefined;
  readonly review: ReviewService;
  readonly node: ClusterNode | undefined;
  readonly now: (() => number) | undefined;
  readonly backfillWindow: BackfillWindow;
  /** The platform's addresses, as `GET /api/v1/platform` describes them. */
  readonly endpoints: Record<string, unknown>;
} & Required<Pick<ApiDeps, 'isOnline' | 'station' | 'disk' | 'registryRefusal' | 'applyRegistry' | 'startReplay'>>): ServingPart {
  const { config, log, metrics, topics, registry, influx, ingest, alarms, node } = deps;
  let live: Live | undefined;
  let people: People | undefined;
  let api: FastifyInstance | undefined;
  return {
    get live() { return live; },
    async start() {
      const targets = await loadTargets(resolve(config.targetsFile));
      live = createLive({
        registry, influx, targets, metrics, log, thresholds: { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct },
        isOnline: deps.isOnline,
        alarms: () => alarms,
        review: deps.review,
        // The platform's clock (a test's, moved): /live's generatedAt and ages, which the wall keeps.
        now: deps.now,
      });
      await live.start();
      // Who each credential is (issue 23, item 1): named tokens and the users file `wanxiang users` keeps.
      people = createPeople({ tokens: config.http.tokens, usersFile: resolve(config.http.usersFile ?? join(config.dataDir, 'users.json')), log });
      await people.start();
      const { cluster } = config;
      api = buildApi({
        metrics, registry, ingest, influx, targets, live, alarms, review: deps.review,
        auth: { ...config.http, people },
        events: deps.events,
        now: deps.now,
        fleetKey: config.fleetKey,
        isOnline: deps.isOnline,
        station: deps.station,
        disk: deps.disk,
        registryRefusal: deps.registryRefusal,
        backfillWindow: deps.backfillWindow,
        applyRegistry: deps.applyRegistry,
        startReplay: deps.startReplay,
        describe: () => ({ ...deps.endpoints, started: true, ...(node ? { cluster: { nodeId: node.nodeId, leader: node.election.isLeader, leaderServices: node.leaderServices.running() } } : {}) }),
        // Issue 18 item 2: EMQX's HTTP auth endpoint only with an external broker and the secret EMQX sends.
        mqttAuth: cluster.brokerUrl && cluster.brokerAuthSecret ? {
          topics, ingestUser: cluster.brokerUsername, ingestSecret: ingestBrokerSecret(config.fleetKey, cluster.brokerUsername, cluster.brokerPassword),
          brokerSecret: cluster.brokerAuthSecret, loginFailuresPerDevice: config.mqtt.loginFailuresPerDevice,
        } : undefined,
        log,
        sessionRevocationsFile: join(config.dataDir, 'session-revocations.json'),
      });
      const address = await api.listen({ host: config.http.host, port: config.http.port });
      return { httpUrl: address.replace('0.0.0.0', '127.0.0.1') };
    },
    async close() {
      // The event stream's connections are held open: end them first, or the API's close waits on them.
      await live?.close();
      await api?.close();
      await people?.close();
    },
  };
}
