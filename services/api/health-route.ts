import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dataFolderProblems, type DiskStatus } from '../data-folder/health.ts';
import { isWanxiangError } from '../errors.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import { registryProblem, type RegistryRefusal } from '../registry/registry-refusal.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { viewFor } from './internals-view.ts';

/** How long /healthz waits for InfluxDB's /ping before it says InfluxDB is unreachable. */
const healthPingTimeoutMs = 2_000;

export interface HealthDeps {
  readonly readAccess: 'open' | 'token';
  readonly ingest: Pick<Ingest, 'spool' | 'queuedReadings' | 'presence'>;
  readonly influx: Pick<InfluxClient, 'ping'>;
  /** The platform's endpoints (URLs, database) and cluster role: internals, shown to operators and admins only. */
  readonly describe: () => Record<string, unknown>;
  readonly disk?: () => DiskStatus | undefined;
  readonly registryRefusal?: () => RegistryRefusal | undefined;
  readonly signedIn: (request: FastifyRequest) => boolean;
  /** Whether the request may see paths, URLs, the database and the host's name (internals-view.ts). */
  readonly seesInternals: (request: FastifyRequest) => boolean;
}

/** The cluster's state without this node's name (by default the host's name). */
function publicCluster(described: Record<string, unknown>): Record<string, unknown> {
  const cluster = described.cluster as { leader?: unknown; leaderServices?: unknown } | undefined;
  return cluster ? { cluster: { leader: cluster.leader, leaderServices: cluster.leaderServices } } : {};
}

export function registerHealthRoute(scope: FastifyInstance, deps: HealthDeps): void {
  const anyObject = z.looseObject({});
  scope.withTypeProvider<ZodTypeProvider>().get('/healthz', {
    // Public, so that a load balancer can ask it; in read access `token` only the status is public (issue 18 item 15).
    config: { access: 'public' },
    schema: { summary: 'Health: InfluxDB reachable, queue depth, devices online, the data folder\'s and the registry file\'s problems; the endpoints and database to an operator or admin only (no URL\'s userinfo to anyone; in read access `token` only the status without a token or session)', response: { 200: anyObject, 503: anyObject } },
  }, async (request, reply) => {
    let influx: Record<string, unknown>;
    try {
      // A hung InfluxDB (SIGSTOP, a full disk under it) held /healthz for the client's 30 s request
      // timeout, past any probe's patience: a supervisor's liveness probe then restarted the platform (red team 11).
      influx = { reachable: true, version: await deps.influx.ping(healthPingTimeoutMs) };
    } catch (error) {
      influx = { reachable: false, code: isWanxiangError(error) ? error.code : 'WX_ERR_INFLUX_UNAVAILABLE' };
    }
    // Issue 19, item 2: a spool that takes nothing (disk full, stopped) or a disk about to fill
    // makes the answer non-200, so a supervisor acts; `problems` says why.
    const spool = deps.ingest.spool.health;
    const disk = deps.disk?.();
    const refusal = deps.registryRefusal?.();
    const problems = [...dataFolderProblems(spool, disk), ...(refusal ? [registryProblem(refusal)] : [])];
    const healthy = influx.reachable === true && problems.length === 0;
    const status = healthy ? 'ok' : 'degraded';
    reply.code(healthy ? 200 : 503);
    if (deps.readAccess === 'token' && !deps.signedIn(request)) return { status, influx: { reachable: influx.reachable } };
    const verdicts = {
      status,
      ...(problems.length > 0 ? { problems } : {}),
      spool,
      ...(disk ? { disk } : {}),
      ...(refusal ? { registry: { invalid: refusal.invalid, since: refusal.since } } : {}),
      influx,
      queuedReadings: deps.ingest.queuedReadings,
      devicesOnline: deps.ingest.presence.online().length,
    };
    const described = deps.describe();
    const internals = deps.seesInternals(request);
    // The verdicts and their reasons for everyone who may read; the endpoints, database and node name only with internals.
    return viewFor(internals ? { ...verdicts, ...described } : { ...verdicts, started: described.started, ...publicCluster(described) }, internals) as Record<string, unknown>;
  });
}
