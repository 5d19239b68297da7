import { createRequire } from 'node:module';

type DebugFactory = ((namespace: string) => unknown) & { enabled(namespace: string): boolean };

/** What a disabled `debug` instance is, without its per-call cost. */
function silentDebug(namespace: string) {
  const silent = Object.assign(() => undefined, { enabled: false, namespace, log: () => undefined, destroy: () => false });
  return Object.assign(silent, { extend: (suffix: string) => silentDebug(`${namespace}:${suffix}`) });
}

/**
 * mqtt-packet calls `debug(...)` a dozen times a packet, and a disabled `debug` instance still
 * gathers its arguments into an array on every call: 11 % of all the bytes the platform allocated
 * under `npm run bench` (BENCH_ALLOC_PROFILE), and about 2 µs of CPU a single-reading message
 * (2026-12-07: 21.2-22.2 µs against 24.1-24.4 µs, two runs each). With DEBUG unset no namespace is
 * enabled, so each instance made from now on is a function that does nothing. With DEBUG set,
 * nothing changes: `DEBUG=mqtt-packet:* wanxiang start` still shows every packet. Imported first
 * by the commands' entry point, before any module that makes its instances at load.
 */
export function quietDebugUnlessAsked(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DEBUG) return false;
  // The copy of `debug` mqtt-packet itself resolves (a nested one would otherwise be missed).
  const fromPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
  const path = fromPacket.resolve('debug');
  const original = fromPacket(path) as DebugFactory;
  const cached = fromPacket.cache[path];
  if (!cached) return false;
  cached.exports = new Proxy(original, {
    apply: (target, self, args: [string]) => (target.enabled(args[0]) ? Reflect.apply(target, self, args) : silentDebug(args[0])),
  });
  return true;
}

quietDebugUnlessAsked();
