import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { unsealedWarning, type ClusterSeal } from './cluster-seal.ts';
import type { AlarmChange } from '../alarms/alarm-types.ts';
import { WanxiangError, errorCatalogue, isWanxiangError, type ErrorCode } from '../errors.ts';
import type { DepartmentsFile } from '../events/departments.ts';
import type { EventAction, EventQuery, EventService } from '../events/event-engine.ts';
import { filterEvents } from '../events/event-engine.ts';
import { closedBefore } from '../events/closed-horizon.ts';
import type { DistrictEvent, EventRecord } from '../events/event-types.ts';
import type { Events } from '../events/index.ts';
import { createEventBook, parseEvent, parseObject, readChange } from './cluster-event-book.ts';
import { applyEventPatch, makeEventPatch } from './event-patch.ts';
import type { LeaderService } from './leader-services.ts';

export interface ClusterEventsOptions {
  readonly redis: Redis;
  /** Seals what this node publishes and opens what the others did (cluster-seal.ts): commands act as a person. */
  readonly seal: ClusterSeal;
  readonly onUnsealed?: () => void;
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly nodeId: string;
  readonly log: Logger;
  readonly departments: DepartmentsFile;
  /** The alarm changes the leader's own alarm engine made (ClusterAlarms.onOwnChange): each once per cluster. */
  readonly onOwnAlarmChange: (listener: (change: AlarmChange) => void) => () => void;
  /** A new engine for each term of leadership; it restores every event from InfluxDB at start. */
  readonly createEngine: () => Promise<Events>;
  /** Once a term's engine takes the alarm changes: what closed before it did is closed on its events (start-events.ts). */
  readonly onEngineTakingChanges?: (engine: Events) => void;
  readonly replyTimeoutMs?: number;
  /** events.keepClosedDays: closed events are held this long after their close, as the leader's engine holds them (closed-horizon.ts); for good when absent. */
  readonly keepClosedMs?: number;
  /** How often the replica forgets what passed the horizon (events.sweepIntervalMs); only on sweep() when absent. */
  readonly sweepIntervalMs?: number;
  /** The events' clock, the engine's (tests move it). */
  readonly now?: () => number;
}

export interface ClusterEvents extends EventService {
  readonly leaderService: LeaderService;
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Command { requestId: string; replyTo: string; id: string; action: EventAction; by: string }
interface Reply { requestId: string; event?: unknown; error?: { code: string; message: string; value?: unknown } }

const actionKinds = new Set(['dispatch', 'start', 'resolve', 'close', 'reopen', 'comment']);
const isAction = (value: unknown): value is EventAction => typeof value === 'object' && value !== null && actionKinds.has((value as { kind?: string }).kind ?? '') && typeof (value as { note?: unknown }).note === 'string';
/** The later of two versions of an event: more changes taken is later (a flapping device's join folds into the timeline: rejoin-runs.ts). */
const isLater = (known: DistrictEvent | undefined, next: DistrictEvent) => !known || next.changes > known.changes;

/**
 * Events once per cluster, as alarms are (cluster-alarms.ts): the lifecycle runs on the leader,
 * fed by the alarm changes its own alarm engine makes; every node keeps a replica for its API and
 * duty desk, fed by the leader's changes on a channel and seeded from a Redis hash; an action on a
 * follower goes to the leader, which answers with the event or the error. A new leader rebuilds
 * every event from the records in InfluxDB.
 */
export function createClusterEvents(options: ClusterEventsOptions): ClusterEvents {
  const { redis, subscriber, prefix, nodeId, log, seal } = options;
  const warnUnsealed = unsealedWarning(log, 'events');
  const book = createEventBook({ redis, key: `${prefix}:events:book`, log });
  const changesChannel = `${prefix}:events:changes`;
  const commandsChannel = `${prefix}:events:commands`;
  const repliesChannel = (node: string) => `${prefix}:events:replies:${node}`;
  const replyTimeoutMs = options.replyTimeoutMs ?? 5_000;
  const replica = new Map<string, DistrictEvent>();
  const listeners = new Set<(event: DistrictEvent, record: EventRecord) => void>();
  const waiting = new Map<string, { resolve: (event: DistrictEvent) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let leading: { engine: Events; stop: () => void } | undefined;
  let trimTimer: NodeJS.Timeout | undefined;
  const now = options.now ?? Date.now;
  const { keepClosedMs } = options;
  // Past the horizon the leader's engine forgets a closed event (its sweep, its start): so does every replica and the hash.
  const pastHorizon = (event: DistrictEvent) => keepClosedMs !== undefined && closedBefore(event, now() - keepClosedMs);

  /** Drops from the replica what passed the horizon; the leader, the only writer of the hash, drops it there too. */
  function trimReplica(): void {
    const forgotten = [...replica.values()].filter(pastHorizon).map((event) => event.id);
    for (const id of forgotten) replica.delete(id);
    if (leading) book.drop(forgotten);
  }

  function adopt(event: DistrictEvent): void {
    if (!isLater(replica.get(event.id), event)) return;
    replica.set(event.id, event);
    const record = event.timeline.at(-1)!;
    for (const listener of listeners) {
      try {
        listener(event, record);
      } catch (error) {
        log.error({ err: error, event: event.id }, 'event listener failed');
      }
    }
  }

  /**
   * The whole event into the hash (a node starting, or one that missed a change, reads it there),
   * and onto the channel only what changed since the version before (event-patch.ts), written after
   * the hash on the same connection: a node reading the hash on a patch it cannot apply reads at
   * least that version. `whole`: a new term's events, whose versions before were another leader's.
   */
  function ownChange(event: DistrictEvent, whole = false): void {
    const before = replica.get(event.id);
    adopt(event);
    const text = book.write(event);
    const sent = !whole && before && before.changes < event.changes ? JSON.stringify({ patch: makeEventPatch(before, event) }) : text;
    redis.publish(changesChannel, seal.seal(changesChannel, `${nodeId}\n${sent}`)).catch((error: unknown) => log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error, event: event.id }, 'event change not shared with the cluster'));
  }

  function onChangeMessage(text: string): void {
    const change = readChange(text);
    if (!change) return void log.warn({ message: text.slice(0, 200) }, 'event change from the cluster not readable; skipped');
    if ('event' in change) return adopt(change.event);
    const known = replica.get(change.patch.event.id);
    if (known && known.changes >= change.patch.event.changes) return;
    const event = applyEventPatch(known, change.patch);
    if (event) return adopt(event);
    // A change missed (or this node started since): the hash holds at least this version.
    void book.read(change.patch.event.id).then((whole) => whole && adopt(whole));
  }

  function onCommand(message: string): void {
    const engine = leading?.engine;
    const command = parseObject<Command>(message);
    if (!engine || !command) return;
    const { requestId, replyTo, id, action, by } = command;
    if (typeof requestId !== 'string' || typeof replyTo !== 'string' || typeof id !== 'string' || typeof by !== 'string' || !isAction(action)) return;
    const refusal = (error: unknown): Reply => {
      if (!isWanxiangError(error)) log.error({ err: error, event: id }, 'event command failed on the leader');
      return isWanxiangError(error) ? { requestId, error: { code: error.code, message: error.message, value: error.value } } : { requestId, error: { code: 'WX_ERR_INTERNAL', message: 'the leader could not apply the change' } };
    };
    let answer: Promise<Reply>;
    try {
      const event = engine.act(id, action, by);
      // Answered once the record is on the leader's disk, as on one node (the API awaits persisted()).
      answer = engine.persisted().then(() => ({ requestId, event }), refusal);
    } catch (error) {
      answer = Promise.resolve(refusal(error));
    }
    void answer.then((reply) => redis.publish(repliesChannel(replyTo), seal.seal(repliesChannel(replyTo), JSON.stringify(reply)))).catch((error: unknown) => log.warn({ err: error, event: id }, 'event command answer not sent'));
  }

  function onReply(message: string): void {
    const reply = parseObject<Reply>(message);
    const request = reply && typeof reply.requestId === 'string' ? waiting.get(reply.requestId) : undefined;
    if (!reply || !request) return;
    waiting.delete(reply.requestId!);
    clearTimeout(request.timer);
    if (reply.error) {
      const code = (reply.error.code in errorCatalogue ? reply.error.code : 'WX_ERR_INTERNAL') as ErrorCode;
      request.reject(new WanxiangError(code, reply.error.message, { value: reply.error.value }));
      return;
    }
    const event = parseEvent(reply.event);
    if (!event) return request.reject(new WanxiangError('WX_ERR_INTERNAL', 'the leader answered without an event'));
    adopt(event);
    request.resolve(replica.get(event.id) ?? event);
  }

  const noLeader = (id: string) => new WanxiangError('WX_ERR_ALARM_LEADER_UNAVAILABLE', `no cluster leader answered for event ${id.slice(0, 120)} within ${replyTimeoutMs} ms`, { value: id });

  async function ask(id: string, action: EventAction, by: string): Promise<DistrictEvent> {
    if (leading) return leading.engine.act(id, action, by);
    const requestId = randomUUID();
    const answer = new Promise<DistrictEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(requestId);
        reject(noLeader(id));
      }, replyTimeoutMs);
      waiting.set(requestId, { resolve, reject, timer });
    });
    const heard = await redis.publish(commandsChannel, seal.seal(commandsChannel, JSON.stringify({ requestId, replyTo: nodeId, id, action, by } satisfies Command))).catch(() => 0);
    if (heard === 0) {
      clearTimeout(waiting.get(requestId)?.timer);
      waiting.delete(requestId);
      answer.catch(() => undefined);
      throw noLeader(id);
    }
    return answer;
  }

  const onMessage = (channel: string, sealed: string) => {
    // The connection is shared with the registry, the feed and the events: only this module's channels are opened here.
    if (channel !== changesChannel && channel !== commandsChannel && channel !== repliesChannel(nodeId)) return;
    const message = seal.open(channel, sealed);
    if (message === null) return warnUnsealed(sealed, options.onUnsealed);
    if (channel === changesChannel) {
      const separator = message.indexOf('\n');
      if (message.slice(0, separator) === nodeId) return;
      onChangeMessage(message.slice(separator + 1));
    } else if (channel === commandsChannel) onCommand(message);
    else if (channel === repliesChannel(nodeId)) onReply(message);
  };

  return {
    departments: options.departments,
    ...(keepClosedMs === undefined ? {} : { keepClosedMs }),
    list: (query: EventQuery = {}) => filterEvents([...replica.values()], query, now()),
    get: (id) => replica.get(id),
    act: (id, action, by) => ask(id, action, by),
    // A follower's records are made, and made durable, by the leader before it answers (onCommand).
    persisted: () => leading?.engine.persisted() ?? Promise.resolve(),
    sweep() {
      leading?.engine.sweep();
      trimReplica();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      subscriber.on('message', onMessage);
      await subscriber.subscribe(changesChannel, repliesChannel(nodeId));
      for (const event of await book.seed((event) => !pastHorizon(event))) adopt(event);
      if (options.sweepIntervalMs) {
        trimTimer = setInterval(trimReplica, options.sweepIntervalMs);
        trimTimer.unref();
      }
    },
    async close() {
      clearInterval(trimTimer);
      trimTimer = undefined;
      await subscriber.unsubscribe(changesChannel, repliesChannel(nodeId)).catch(() => undefined);
      subscriber.off('message', onMessage);
      for (const [id, request] of waiting) {
        clearTimeout(request.timer);
        request.reject(noLeader(id));
      }
      waiting.clear();
    },
    leaderService: {
      name: 'events',
      async start() {
        const engine = await options.createEngine();
        const unsubscribeEngine = engine.onChange((event) => ownChange(event));
        try {
          await engine.start();
        } catch (error) {
          unsubscribeEngine();
          await engine.close().catch(() => undefined);
          throw error;
        }
        // What the history holds goes to every replica (a follower may have missed the last changes).
        for (const event of engine.list()) ownChange(event, true);
        const unsubscribeAlarms = options.onOwnAlarmChange((change) => engine.onAlarmChange(change));
        options.onEngineTakingChanges?.(engine);
        leading = { engine, stop: () => { unsubscribeAlarms(); unsubscribeEngine(); } };
        await subscriber.subscribe(commandsChannel);
      },
      async close() {
        const term = leading;
        leading = undefined;
        await subscriber.unsubscribe(commandsChannel).catch(() => undefined);
        if (!term) return;
        term.stop();
        await term.engine.close();
      },
    },
  };
}
