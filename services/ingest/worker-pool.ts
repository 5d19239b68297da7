import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { InboundMessage } from './handle-message.ts';
import type { ParseLimits } from './parse-telemetry.ts';
import { createHeaderCache, telemetryRecord, type TelemetryOutcome } from './telemetry-record.ts';
import { createReadingEncoder } from './to-point.ts';
import type { WorkerBatch, WorkerReply } from './worker-protocol.ts';

export interface IngestWorkerPool {
  readonly size: number;
  /** Starts the workers; resolves once each is ready. */
  start(): Promise<void>;
  /** The message's outcome, parsed by the worker its device is routed to. */
  parse(message: InboundMessage, device: DeviceRecord): Promise<TelemetryOutcome>;
  /** Stops worker `index` at once, as a crash would; a new one takes its place (tests: issue 26, item 1). */
  kill(index: number): Promise<void>;
  /** Keeps worker `index` busy for `ms`, as a stuck one would be (tests of the watchdog). */
  stall(index: number, ms: number): void;
  close(): Promise<void>;
}

interface Item {
  readonly message: InboundMessage;
  readonly device: DeviceRecord;
  readonly resolve: (outcome: TelemetryOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Device records this worker holds (records are replaced, not changed, by the registry). */
  sent: WeakSet<DeviceRecord>;
  pending: Item[];
  readonly inFlight: Map<number, Item[]>;
  /** When each batch in flight was handed over, oldest first. */
  readonly postedAt: Map<number, number>;
  /** No worker could be started: this slot's messages are parsed here until one is. */
  inThread: boolean;
  /** Restarts in a row that died before a batch came back: the next waits longer. */
  restarts: number;
}

// The worker runs the TypeScript sources as the platform does (bin/wanxiang.js): through tsx,
// registered in the worker's own thread before its module is imported.
// A data: URL has no base to resolve a bare name from, so tsx's ESM entry is found through its
// package.json exports; worked out at the first start, not at import.
let bootstrapUrl: URL | undefined;
function workerBootstrap(): URL {
  if (bootstrapUrl) return bootstrapUrl;
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsxApi = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const workerModule = new URL('./ingest-worker.ts', import.meta.url).href;
  const bootstrap = `import { register } from ${JSON.stringify(pathToFileURL(join(dirname(tsxPackage), tsxApi)).href)}; register(); await import(${JSON.stringify(workerModule)});`;
  return (bootstrapUrl = new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}

/** FNV-1a over the id: a device always goes to the same worker, so its messages keep their order. */
function slotOf(id: string, size: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % size;
}

/**
 * Ingest worker threads (issue 26, item 1): the per-reading work (parse, validate, map, encode
 * line protocol) of the telemetry messages, handed over once a turn in a batch a worker. The
 * spool append and the PUBACK stay with the caller, after the outcome is back, so nothing is
 * acknowledged that is not durable. A worker that dies has its batches in flight done again
 * in this thread (none of them was acknowledged) and is replaced.
 */
export function createIngestWorkerPool(deps: { size: number; limits: ParseLimits; log: Logger; stallMs?: number }): IngestWorkerPool {
  const { size, limits, log } = deps;
  // A batch not back after this long means a stuck worker: it is stopped, its batches done here.
  const stallMs = deps.stallMs ?? 10_000;
  const slots: Slot[] = [];
  const encoder = createReadingEncoder();
  const headerOf = createHeaderCache();
  let nextId = 0;
  let flushScheduled = false;
  let closing = false;
  // A killed worker is dead from the moment kill() is called, as a crashed one is: an answer it
  // had already posted is not taken, its batches are done here (tests then see the same path every run).
  const killed = new WeakSet<Worker>();

  function spawn(index: number): Promise<void> {
    const worker = new Worker(workerBootstrap(), { workerData: { limits: { ...limits } } });
    const slot: Slot = slots[index] ?? { worker, sent: new WeakSet(), pending: [], inFlight: new Map(), postedAt: new Map(), inThread: false, restarts: 0 };
    slot.worker = worker;
    slot.sent = new WeakSet();
    slots[index] = slot;
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`ingest worker ${index} exited with ${code} before it was ready`)));
    });
    ready.catch(() => undefined);
    worker.on('message', (reply: WorkerReply | 'ready') => {
      if (reply !== 'ready' && !killed.has(worker)) settle(slot, reply);
    });
    worker.on('error', (error) => log.error({ code: 'WX_ERR_INTERNAL', err: error, worker: index }, 'ingest worker failed'));
    worker.on('exit', (code) => {
      if (slot.worker !== worker || closing) return;
      log.error({ code: 'WX_ERR_INTERNAL', worker: index, exitCode: code, batches: slot.inFlight.size }, 'ingest worker stopped: its unacknowledged messages are parsed here and a new worker starts');
      redoInThread(slot);
      restart(index, slot);
    });
    return ready;
  }

  /**
   * A new worker for a dead one, later each time one dies without having answered (a worker that
   * cannot start was respawned in a tight loop); until it is up, the slot's messages are parsed
   * here (they waited for a worker that never came, their devices' PUBACKs with them).
   */
  function restart(index: number, slot: Slot): void {
    slot.inThread = true;
    const delayMs = slot.restarts === 0 ? 0 : Math.min(30_000, 250 * 2 ** slot.restarts);
    slot.restarts += 1;
    const timer = setTimeout(() => {
      if (closing) return;
      spawn(index).then(() => {
        slot.inThread = false;
        schedule();
      }, (error: unknown) => log.error({ code: 'WX_ERR_INTERNAL', err: error, worker: index }, 'ingest worker did not restart; its messages are parsed in the broker\'s thread meanwhile'));
    }, delayMs);
    timer.unref();
    schedule();
  }

  // The watchdog: the oldest batch of each worker, against stallMs.
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const [index, slot] of slots.entries()) {
      const oldest = slot.postedAt.values().next().value;
      if (oldest === undefined || now - oldest < stallMs || killed.has(slot.worker)) continue;
      log.error({ code: 'WX_ERR_INTERNAL', worker: index, batches: slot.inFlight.size, stalledMs: now - oldest }, 'ingest worker stuck: stopped, its messages are parsed here');
      killed.add(slot.worker);
      void slot.worker.terminate();
    }
  }, Math.max(50, Math.floor(stallMs / 4)));
  watchdog.unref();

  function settle(slot: Slot, reply: WorkerReply): void {
    const items = slot.inFlight.get(reply.id);
    if (!items) return;
    slot.inFlight.delete(reply.id);
    slot.postedAt.delete(reply.id);
    slot.restarts = 0;
    for (let i = 0; i < items.length; i += 1) {
      const outcome = reply.outcomes[i]!;
      if ('thrown' in outcome) items[i]!.reject(new Error(outcome.thrown));
      else items[i]!.resolve(outcome);
    }
  }

  /** The dead worker's batches, in the order they were sent (a Map keeps insertion order). */
  function redoInThread(slot: Slot): void {
    for (const items of slot.inFlight.values()) runHere(items);
    slot.inFlight.clear();
    slot.postedAt.clear();
  }

  function runHere(items: readonly Item[]): void {
    for (const item of items) {
      try {
        item.resolve(telemetryRecord(item.device, item.message.payload, item.message.receivedAtMs, limits, encoder, headerOf));
      } catch (error) {
        item.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  function post(slot: Slot): void {
    const items = slot.pending;
    slot.pending = [];
    if (slot.inThread) return runHere(items);
    const devices: DeviceRecord[] = [];
    const ids: string[] = [];
    const ends = new Uint32Array(items.length);
    const times = new Float64Array(items.length);
    let total = 0;
    for (const item of items) total += item.message.payload.length;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < items.length; i += 1) {
      const { message, device } = items[i]!;
      if (!slot.sent.has(device)) {
        slot.sent.add(device);
        devices.push(device);
      }
      ids.push(device.id);
      bytes.set(message.payload, at);
      at += message.payload.length;
      ends[i] = at;
      times[i] = message.receivedAtMs;
    }
    const id = (nextId += 1);
    slot.inFlight.set(id, items);
    slot.postedAt.set(id, Date.now());
    const batch: WorkerBatch = { id, devices, ids, bytes: bytes.buffer, ends, times, maxAgeMs: limits.maxAgeMs };
    slot.worker.postMessage(batch, [bytes.buffer]);
  }

  function flush(): void {
    flushScheduled = false;
    if (closing) return;
    for (const slot of slots) if (slot.pending.length > 0) post(slot);
  }

  function schedule(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // After this turn's I/O callbacks: everything they received goes in one batch a worker.
    setImmediate(flush);
  }

  return {
    size,
    async start() {
      await Promise.all(Array.from({ length: size }, (_, index) => spawn(index)));
    },
    parse(message, device) {
      // Closed: the workers are gone, the message is parsed here (and then meets the closed spool, which refuses it).
      if (closing) return new Promise<TelemetryOutcome>((resolve) => resolve(telemetryRecord(device, message.payload, message.receivedAtMs, limits, encoder, headerOf)));
      return new Promise<TelemetryOutcome>((resolve, reject) => {
        slots[slotOf(device.id, size)]!.pending.push({ message, device, resolve, reject });
        schedule();
      });
    },
    stall(index, ms) {
      slots[index]!.worker.postMessage({ stallMs: ms });
    },
    async kill(index) {
      const { worker } = slots[index]!;
      killed.add(worker);
      await worker.terminate();
    },
    async close() {
      flush();
      // What was handed over comes back (and is then spooled) before the workers stop.
      const deadline = Date.now() + 5_000;
      while (slots.some((slot) => slot.inFlight.size > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      closing = true;
      clearInterval(watchdog);
      for (const slot of slots) {
        redoInThread(slot);
        runHere(slot.pending);
        slot.pending = [];
      }
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
