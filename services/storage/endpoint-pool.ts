/**
 * The endpoints of one logical InfluxDB (Enterprise/Clustered data nodes, relays in front of
 * OSS pairs, InfluxDB 3 nodes): requests rotate over the healthy ones; an endpoint that fails
 * (unreachable, timeout, 5xx) leaves the rotation and is pinged again after `retryAfterMs`.
 * Probes run in the background, never on a request's path, so a black-holed server costs
 * one timed-out request, not one per write. No timers: probes are due-checked per request.
 */
export interface EndpointPool {
  /** Healthy endpoints first, rotated per call; then the others (a last resort when all are down). */
  candidates(): string[];
  markDown(url: string): void;
  markUp(url: string): void;
  /** Endpoints currently in rotation. */
  healthy(): string[];
}

export interface EndpointPoolOptions {
  readonly urls: readonly string[];
  readonly retryAfterMs: number;
  /** Resolves true when the endpoint answers its health check. */
  readonly probe: (url: string) => Promise<boolean>;
  readonly now?: () => number;
  readonly onChange?: (url: string, healthy: boolean) => void;
}

export function createEndpointPool(options: EndpointPoolOptions): EndpointPool {
  const now = options.now ?? Date.now;
  const urls = [...new Set(options.urls.map((url) => url.replace(/\/+$/, '')))];
  const downUntil = new Map<string, number>();
  const probing = new Set<string>();
  let next = 0;

  function probeDue(): void {
    for (const [url, until] of downUntil) {
      if (until > now() || probing.has(url)) continue;
      probing.add(url);
      options.probe(url).then(
        (ok) => (ok ? pool.markUp(url) : downUntil.set(url, now() + options.retryAfterMs)),
        () => downUntil.set(url, now() + options.retryAfterMs),
      ).finally(() => probing.delete(url));
    }
  }

  const pool: EndpointPool = {
    candidates() {
      if (downUntil.size > 0) probeDue();
      const start = next++ % urls.length;
      const rotated = [...urls.slice(start), ...urls.slice(0, start)];
      return [...rotated.filter((url) => !downUntil.has(url)), ...rotated.filter((url) => downUntil.has(url))];
    },
    markDown(url) {
      if (urls.length === 1) return; // nowhere to fail over to: the writer's backoff does the waiting
      if (!downUntil.has(url)) options.onChange?.(url, false);
      downUntil.set(url, now() + options.retryAfterMs);
    },
    markUp(url) {
      if (downUntil.delete(url)) options.onChange?.(url, true);
    },
    healthy: () => urls.filter((url) => !downUntil.has(url)),
  };
  return pool;
}
