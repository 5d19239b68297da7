import type { Logger } from 'pino';

/** Work that must run on one node of the cluster at a time (rollups, alarms). */
export interface LeaderService {
  readonly name: string;
  start(): void | Promise<void>;
  close(): Promise<void>;
}

export interface LeaderServices {
  /** Adds a service; started at once if this node already leads. */
  add(service: LeaderService): void;
  /** This node won the lease: start every service, in the order added. */
  elected(): void;
  /** This node lost the lease: close every service, in reverse order. */
  deposed(): void;
  /** Resolves once the last start or stop has finished. */
  settled(): Promise<void>;
  /** Names of the services running here now. */
  running(): string[];
}

/**
 * The leader-only services of a node, started and stopped with its leadership. Transitions
 * are queued, so a quick lose-and-win never runs a service twice at once; a service that
 * fails to start is logged and the others still start.
 */
export function createLeaderServices(log: Logger): LeaderServices {
  const services: LeaderService[] = [];
  const running = new Set<LeaderService>();
  let leading = false;
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (step: () => Promise<void>) => {
    queue = queue.then(step, step);
  };
  async function startOne(service: LeaderService): Promise<void> {
    if (!leading || running.has(service)) return;
    try {
      await service.start();
      running.add(service);
      log.info({ service: service.name }, 'leader-only service started');
    } catch (error) {
      log.error({ err: error, service: service.name }, 'leader-only service failed to start');
    }
  }

  return {
    add(service) {
      services.push(service);
      enqueue(() => startOne(service));
    },
    elected() {
      leading = true;
      enqueue(async () => {
        for (const service of services) await startOne(service);
      });
    },
    deposed() {
      leading = false;
      enqueue(async () => {
        for (const service of [...services].reverse()) {
          if (!running.delete(service)) continue;
          await service.close().catch((error: unknown) => log.error({ err: error, service: service.name }, 'leader-only service failed to stop'));
          log.info({ service: service.name }, 'leader-only service stopped');
        }
      });
    },
    settled: () => queue,
    running: () => services.filter((service) => running.has(service)).map((service) => service.name),
  };
}
