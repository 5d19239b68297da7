import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { unsealedWarning, type ClusterSeal } from './cluster-seal.ts';
import { createAlarmBook, isLaterVersion } from '../alarms/alarm-book.ts';
import { parseAlarm, parseAlarmChange } from '../alarms/alarm-schema.ts';
import type { Alarm, AlarmChange, AlarmService } from '../alarms/alarm-types.ts';
import type { Alarms } from '../alarms/index.ts';
import { WanxiangError, errorCatalogue, isWanxiangError, type ErrorCode } from '../errors.ts';
import type { Reading } from '../ingest/reading.ts';
import type { StuckDetector } from '../ingest/stuck-detector.ts';
import type { LeaderService } from './leader-services.ts';

type StuckView = Pick<StuckDetector, 'repeats' | 'stuckAfter'>;
type Verb = 'acknowledge' | 'closeAlarm';

export interface ClusterAlarmsOptions {
  readonly redis: Redis;
  /** Seals what this node publishes and opens what the others did (cluster-seal.ts): commands act as a person. */
  readonly seal: ClusterSeal;
  readonly onUnsealed?: () => void;
  /** The node's pub/sub connection (shared with the registry sync: each takes its own channels). */
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly nodeId: string;
  readonly log: Logger;
  /** This node's ingest detector, for the stuck rule on its own devices' readings. */
  readonly stuck: StuckView;
  /** A new engine for each term of leadership: its history writer and timers end with the term. */
  readonly createEngine: (deps: { stuck: StuckView; seed: () => Promise<Alarm[]> }) => Promise<Alarms>;
  readonly replyTimeoutMs?: number;
  readonly pruneMs?: number;
}

export interface ClusterAlarms extends AlarmService {
  /**
   * A reading with its device's run of identical readings as the device's own node counted it
   * (this node's, or another's through cluster-feed.ts): judged here if this node leads.
   */
  judge(reading: Reading, repeats: number): void;
  /** The engine's half: add it to the node's leader-only services. */
  readonly leaderService: LeaderService;
  /** Changes this node's engine made while it leads: what must go out once per cluster (MQTT). */
  onOwnChange(listener: (change: AlarmChange) => void): () => void;
}

interface Command { requestId: string; replyTo: string; verb: Verb; id: string; by: string; note: string }
interface Reply { requestId: string; alarm?: Alarm; error?: { code: string; message: string; value?: unknown } }

/** A JSON object from a channel, or undefined for anything else: another node's message is only as trusted as Redis. */
function parseObject<T>(text: string): Partial<T> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

const isVerb = (value: unknown): value is Verb => value === 'acknowledge' || value === 'closeAlarm';

/**
 * Alarms once per cluster (issue 11). One engine runs, on the leader, and sees every
 * accepted reading: the other nodes' come to it on the cluster feed (cluster-feed.ts), so a
 * device connected to node A is neither silent nor unseen on node B's engine. Every node keeps a
 * replica of the alarms for its screen and API, fed by the leader's changes on a channel and
 * seeded from a Redis hash the leader keeps; an operator's acknowledgement on a follower is
 * sent to the leader, which answers with the alarm or the error. A new leader starts its
 * engine from the history in InfluxDB and the hash, whichever is newer, so an alarm the dead
 * leader held but had not yet written is neither lost nor opened twice.
 */
export function createClusterAlarms(options: ClusterAlarmsOptions): ClusterAlarms {
  const { redis, subscriber, prefix, nodeId, log, seal } = options;
  const warnUnsealed = unsealedWarning(log, 'alarms');
  const bookKey = `${prefix}:alarms:book`;
  const changesChannel = `${prefix}:alarms:changes`;
  const commandsChannel = `${prefix}:alarms:commands`;
  const repliesChannel = (node: string) => `${prefix}:alarms:replies:${node}`;
  const replyTimeoutMs = options.replyTimeoutMs ?? 5_000;
  const replica = createAlarmBook({ keepClosedMs: 30 * 86_400_000, maxClosed: 10_000 });
  const listeners = new Set<(change: AlarmChange) => void>();
  const ownListeners = new Set<(change: AlarmChange) => void>();
  const waiting = new Map<string, { id: string; resolve: (alarm: Alarm) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  // The stuck rule asks for a device's run as counted where the device is connected.
  const stuckRuns = new Map<string, number>();
  const stuckView: StuckView = { stuckAfter: options.stuck.stuckAfter, repeats: (deviceId) => stuckRuns.get(deviceId) ?? 0 };
  let leading: { engine: Alarms; unsubscribe: () => void; pruneTimer: NodeJS.Timeout } | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;

  function notify(targets: Set<(change: AlarmChange) => void>, change: AlarmChange): void {
    for (const listener of targets) {
      try {
        listener(change);
      } catch (error) {
        log.error({ err: error, alarm: change.alarm.id }, 'alarm listener failed');
      }
    }
  }

  function adopt(change: AlarmChange): void {
    if (!isLaterVersion(replica.get(change.alarm.id), change.alarm)) return;
    replica.put(change.alarm);
    notify(listeners, change);
  }

  async function snapshot(): Promise<Alarm[]> {
    const held = await redis.hgetall(bookKey);
    const alarms: Alarm[] = [];
    // An unreadable entry is skipped; the leader rewrites it at the alarm's next change.
    for (const text of Object.values(held)) {
      const alarm = parseAlarm(parseObject<Alarm>(text));
      if (alarm) alarms.push(alarm);
    }
    return alarms;
  }

  /** The leader's engine changed an alarm: this node's replica first, then the cluster. */
  function ownChange(change: AlarmChange): void {
    adopt(change);
    const text = JSON.stringify(change.alarm);
    const unshared = (error: unknown) => log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error, alarm: change.alarm.id }, 'alarm change not shared with the cluster');
    // One connection keeps the order: the hash holds the change before any node hears of it.
    redis.hset(bookKey, change.alarm.id, text).catch(unshared);
    redis.publish(changesChannel, seal.seal(changesChannel, `${nodeId}\n${JSON.stringify(change)}`)).catch(unshared);
    notify(ownListeners, change);
  }

  function observeHere(engine: Alarms, reading: Reading, repeats: number): void {
    stuckRuns.set(reading.deviceId, repeats);
    engine.observe(reading);
  }

  function onChangeMessage(message: string): void {
    const separator = message.indexOf('\n');
    if (message.slice(0, separator) === nodeId) return;
    const change = parseAlarmChange(parseObject<AlarmChange>(message.slice(separator + 1)));
    if (change) adopt(change);
    else log.warn({ message: message.slice(0, 200) }, 'alarm change from the cluster not readable; skipped');
  }

  function onCommand(message: string): void {
    const engine = leading?.engine;
    const command = parseObject<Command>(message);
    if (!command) return;
    const { requestId, replyTo, verb, id, by, note } = command;
    if (!engine || typeof requestId !== 'string' || typeof replyTo !== 'string' || !isVerb(verb) || typeof id !== 'string' || typeof by !== 'string' || typeof note !== 'string') return;
    const refusal = (error: unknown): Reply => {
      if (!isWanxiangError(error)) log.error({ err: error, alarm: id }, 'alarm command failed on the leader');
      return isWanxiangError(error)
        ? { requestId, error: { code: error.code, message: error.message, value: error.value } }
        : { requestId, error: { code: 'WX_ERR_INTERNAL', message: 'the leader could not apply the change' } };
    };
    let answer: Promise<Reply>;
    try {
      const alarm = engine[verb](id, by, note);
      // Answered once the change is on the leader's disk, as on one node (the API awaits persisted()).
      answer = engine.persisted().then(() => ({ requestId, alarm }), refusal);
    } catch (error) {
      answer = Promise.resolve(refusal(error));
    }
    void answer.then((reply) => redis.publish(repliesChannel(replyTo), seal.seal(repliesChannel(replyTo), JSON.stringify(reply)))).catch((error: unknown) => log.warn({ err: error, alarm: id }, 'alarm command answer not sent'));
  }

  function onReply(message: string): void {
    const reply = parseObject<Reply>(message);
    if (!reply || typeof reply.requestId !== 'string') return;
    const request = waiting.get(reply.requestId);
    if (!request) return;
    waiting.delete(reply.requestId);
    clearTimeout(request.timer);
    if (reply.error) {
      const code = (reply.error.code in errorCatalogue ? reply.error.code : 'WX_ERR_INTERNAL') as ErrorCode;
      request.reject(new WanxiangError(code, reply.error.message, { value: reply.error.value }));
      return;
    }
    const alarm = parseAlarm(reply.alarm);
    if (alarm) {
      adopt({ kind: alarm.state === 'closed' ? 'closed' : 'acknowledged', alarm });
      request.resolve(replica.get(alarm.id) ?? alarm);
    } else request.reject(new WanxiangError('WX_ERR_INTERNAL', 'the leader answered without an alarm'));
  }

  const noLeader = (id: string) => new WanxiangError('WX_ERR_ALARM_LEADER_UNAVAILABLE', `no cluster leader answered for alarm ${id.slice(0, 120)} within ${replyTimeoutMs} ms`, { value: id });

  async function ask(verb: Verb, id: string, by: string, note: string): Promise<Alarm> {
    const engine = leading?.engine;
    if (engine) return engine[verb](id, by, note);
    const requestId = randomUUID();
    const answer = new Promise<Alarm>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(requestId);
        reject(noLeader(id));
      }, replyTimeoutMs);
      waiting.set(requestId, { id, resolve, reject, timer });
    });
    const command: Command = { requestId, replyTo: nodeId, verb, id, by, note };
    // Only the leader listens on the commands channel: nobody heard it means there is none now.
    const heard = await redis.publish(commandsChannel, seal.seal(commandsChannel, JSON.stringify(command))).catch(() => 0);
    if (heard === 0) {
      const request = waiting.get(requestId);
      waiting.delete(requestId);
      clearTimeout(request?.timer);
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
    if (channel === changesChannel) onChangeMessage(message);
    else if (channel === commandsChannel) onCommand(message);
    else if (channel === repliesChannel(nodeId)) onReply(message);
  };

  /** Drops from the shared hash what the leader's engine no longer holds (closed and pruned). */
  async function pruneShared(engine: Alarms): Promise<void> {
    const held = new Set(engine.list().map((alarm) => alarm.id));
    const gone = (await redis.hkeys(bookKey)).filter((id) => !held.has(id));
    if (gone.length > 0) await redis.hdel(bookKey, ...gone);
  }

  return {
    observe(reading) {
      const engine = leading?.engine;
      if (engine) observeHere(engine, reading, options.stuck.repeats(reading.deviceId));
    },
    judge(reading, repeats) {
      const engine = leading?.engine;
      if (engine) observeHere(engine, reading, repeats);
    },
    list: (query) => replica.list(query),
    get: (id) => replica.get(id),
    acknowledge: (id, by, note) => ask('acknowledge', id, by, note),
    closeAlarm: (id, by, note) => ask('closeAlarm', id, by, note),
    // A follower's changes are made, and made durable, by the leader before it answers (onCommand).
    persisted: () => leading?.engine.persisted() ?? Promise.resolve(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onOwnChange(listener) {
      ownListeners.add(listener);
      return () => ownListeners.delete(listener);
    },
    async start() {
      subscriber.on('message', onMessage);
      await subscriber.subscribe(changesChannel, repliesChannel(nodeId));
      for (const alarm of await snapshot()) if (isLaterVersion(replica.get(alarm.id), alarm)) replica.put(alarm);
      pruneTimer = setInterval(() => replica.prune(Date.now()), options.pruneMs ?? 60_000);
      pruneTimer.unref();
    },
    async close() {
      clearInterval(pruneTimer);
      await subscriber.unsubscribe(changesChannel, repliesChannel(nodeId)).catch(() => undefined);
      subscriber.off('message', onMessage);
      for (const request of waiting.values()) {
        clearTimeout(request.timer);
        request.reject(noLeader(request.id));
      }
      waiting.clear();
    },
    leaderService: {
      name: 'alarms',
      async start() {
        const engine = await options.createEngine({ stuck: stuckView, seed: snapshot });
        // Before start(): the first sweep's changes (silent devices) are shared like any other.
        const unsubscribe = engine.onChange(ownChange);
        try {
          await engine.start();
        } catch (error) {
          unsubscribe();
          await engine.close().catch(() => undefined);
          throw error;
        }
        const timer = setInterval(() => void pruneShared(engine).catch((error: unknown) => log.warn({ err: error }, 'shared alarm book not pruned')), options.pruneMs ?? 60_000);
        timer.unref();
        leading = { engine, unsubscribe, pruneTimer: timer };
        await subscriber.subscribe(commandsChannel);
      },
      async close() {
        const term = leading;
        leading = undefined;
        await subscriber.unsubscribe(commandsChannel).catch(() => undefined);
        if (!term) return;
        clearInterval(term.pruneTimer);
        term.unsubscribe();
        stuckRuns.clear();
        await term.engine.close();
      },
    },
  };
}
