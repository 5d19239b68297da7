import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { isWanxiangError, type ErrorCode } from '../errors.ts';
import { createLoginGate, type LoginGate } from '../login-gate.ts';
import type { PreparedRecord } from '../ingest/accept-prepared.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { TimeLimits } from '../ingest/timestamps.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { FamilyId } from '../families/index.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { createArrivalTimes } from './arrival-times.ts';
import type { CrcVariant } from './crc.ts';
import { createFrameLogin, type LoginSide } from './frame-login.ts';
import { createFramer, type Frame, type FramerEvent, type SkipReason } from './framer.ts';
import { createAnswerOrder } from './answer-order.ts';
import { countFrameQuirks, createHj212Metrics, type PacketResult } from './hj212-metrics.ts';
import { withPwMasked } from './masked-frame.ts';
import type { Packet } from './packet.ts';
import { createReadFlow, type ReadFlow } from './read-flow.ts';
import { createReassembler } from './reassembly.ts';
import { createStationRate } from './station-rate.ts';
import { headerOf, type PacketHeader } from './reply.ts';
import { createAnswerWriter } from './answer-writer.ts';
import { createFrameReader, type ReadFrame } from './frame-read.ts';
import { createResentFrames, retrySpanMs } from './resent-frames.ts';
import { createConnectionSlots } from '../connection-slots.ts';
import { addressKey, createExemption } from '../address-key.ts';
import { createConnectionLogins, createStationDirectory } from './station-auth.ts';
import { createStationLogins, type StationLoginLimits } from './station-login.ts';
import { intakeRecords, takePacket } from './station-door.ts';
import { createStationStates, type StationState } from './station-states.ts';
import { createStationHolds, type StationHolds } from './station-holds.ts';
import { createStationSessions } from './station-sessions.ts';
import { watchStationFin } from './station-fin.ts';

export interface Hj212ReceiverDeps {
  readonly config: Config['hj212'];
  /** Login throttling as the broker's (config.mqtt: failures per address and per device per window). */
  readonly logins: StationLoginLimits & Pick<Config['mqtt'], 'loginVerifyConcurrency'>;
  /** Where PW checks (scrypt) wait their turn: the platform's one gate, shared with the broker (services/login-gate.ts); else the receiver's own. */
  readonly loginGate?: LoginGate;
  readonly limits: TimeLimits;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
  /** Told when a station's own hourly or daily values are stored: the rollups of that day are due again (they use them). */
  readonly onStationValues?: (family: FamilyId, timeMs: number) => void;
  /**
   * Told of each frame once what it carries is stored (the platform relays it to observers for
   * `record`): `maskedFrame()` gives it with its PW masked, made only when called, since masking
   * re-encodes the frame and most of the time nobody observes (bench:hj212: 8 % of the thread).
   */
  readonly onStored?: (station: DeviceRecord, maskedFrame: () => Buffer) => void;
  /** The installation's fleet key: a simulated station's frames sent with the history PW it derives are a replay's (no live alarm). */
  readonly fleetKey?: string;
}

/**
 * How long a frame complete by its length but without CR LF waits for its tail before it is taken as
 * it is (reference/hj212.md §2: devices that omit CR and/or LF). Long beside a TCP segment's gap, short
 * beside the 10 s a station waits for its answer (HJ 212-2017 Table 1).
 */
const tailQuietMs = 1_000;

/** One connection's own: its socket, session, address and the logins made on it (frame-login.ts). */
interface Connection extends LoginSide {
  readonly session: string;
  /** Whether its socket is read: paused while too many of its frames wait, or one station holds too many for its rate. */
  readonly flow: ReadFlow;
  /** Its frames waiting for their station's rate, each station's in its own line (the others' are not held up). */
  readonly holds: StationHolds;
  /** Closes the connection if no station has logged in on it by then (cleared at the first login). */
  loginDeadline: NodeJS.Timeout | undefined;
  /** Closed, or the station sent its FIN: a packet waiting for its rate is given up (the station sends it again). */
  gone(): boolean;
}

export interface Hj212Receiver {
  /** Listens; resolves with the port (null when turned off with port -1). */
  start(): Promise<number | null>;
  close(): Promise<void>;
  stations(): StationState[];
  station(deviceId: string): StationState | undefined;
  /** After the registry changed: closes the connections of stations now disabled, removed or with a new MN or PW (as the broker's enforceRegistry). */
  enforceRegistry(): number;
}

/**
 * The HJ 212 door (issue 20): a TCP listener whose connections are framed byte-exactly,
 * checked (CRC per the station's policy, MN and PW against the registry, failures slowed like
 * MQTT logins), mapped through the family modules, and handed to the same ingest as MQTT messages.
 * A packet is answered (9014, or 9013 for 1013) only once what it carries is in the spool,
 * the same promise as the PUBACK; a bad CRC, an unknown MN or a wrong PW get no answer
 * (HJ 212-2017 §6.3.1: "如果 CRC 错误，执行结束").
 */
export function createHj212Receiver(deps: Hj212ReceiverDeps): Hj212Receiver {
  const { config, ingest, log } = deps;
  const now = deps.now ?? Date.now;
  const directory = createStationDirectory(deps.registry);
  // Read at scrape time, once both exist.
  const metrics = createHj212Metrics(deps.metrics, { loginFailureKeys: () => stationLogins.failureKeys, rememberedFrames: () => resentFrames.size });
  const stationLogins = createStationLogins({
    directory, limits: deps.logins, now,
    gate: deps.loginGate ?? createLoginGate({ concurrency: deps.logins.loginVerifyConcurrency }),
    onDelayed: () => metrics.loginsDelayed.inc(),
    onCheck: () => deps.metrics.secretChecks.inc({ door: 'hj212' }),
  });
  const reassembler = createReassembler({ timeoutMs: config.splitTimeoutMs, maxSets: config.maxSplitSets, onEvicted: () => metrics.splits.inc({ outcome: 'incomplete' }) });
  const rate = createStationRate({ config, metrics: deps.metrics, log, now });
  const keptAt = createArrivalTimes();
  // A station is let through stationPacketsPerSecond: that many frames of its retry span, so its copies are always recognised.
  const resentFrames = createResentFrames({ perStation: Math.ceil(config.stationPacketsPerSecond * (retrySpanMs / 1_000 + config.stationBurstSeconds)) });
  const deviceById = (id: string) => deps.registry.device(id);
  const sessions = createStationSessions({ registry: deps.registry, presence: ingest.presence, idleTimeoutMs: config.idleTimeoutMs, log, onClosedByRegistry: () => metrics.connectionsClosed.inc({ reason: 'registry' }) });
  const states = createStationStates(sessions.connected);
  const connectionOf = new WeakMap<Socket, Connection>();
  const slots = createConnectionSlots<Socket>(config, (socket) => connectionOf.get(socket)?.loginUnderWay === undefined);
  const exempt = createExemption(config.connectionLimitExempt);
  let server: Server | undefined;
  let sweep: NodeJS.Timeout | undefined;
  let sessionCount = 0;

  const refuse = (result: PacketResult, code: ErrorCode, message: string, frame: Frame, device?: string): undefined => {
    metrics.packets.inc(result);
    ingest.rejections.record({ code, message, readings: 0 }, { device, topic: `hj212:${result}`, payload: frame.raw });
    return undefined;
  };

  const answer = createAnswerWriter(directory, metrics);
  const readFrame = createFrameReader(directory, refuse);
  const stationOf = createFrameLogin({ directory, registry: deps.registry, stationLogins, fleetKey: deps.fleetKey, refuse, onGone: () => metrics.packets.inc('closed') });

  /** A defect of ours, never the station's fault: counted and kept like any refusal (the frame in the dead-letter), not answered, so the station sends it again. */
  function notHandled(frame: Frame, error: unknown): void {
    metrics.packets.inc('failed');
    ingest.rejections.record({ code: 'WX_ERR_INTERNAL', message: `HJ 212 packet not handled: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300), readings: 0 }, { topic: 'hj212:failed', payload: frame.raw });
    log.error({ code: 'WX_ERR_INTERNAL', err: error }, 'HJ 212 frame handling failed: not answered');
  }

  /**
   * One frame read, up to the spool: the packet to answer once stored, or nothing. A connection's
   * frames are handled as they come, their spool appends overlapping (each is its own point, a
   * station's 4 packets in flight share one fsync); each station's answers go out in the order
   * of its frames (answer-order.ts).
   */
  async function handleFrame(frame: Frame, { packet, variant }: ReadFrame, connection: Connection): Promise<PacketHeader | undefined> {
    const { socket } = connection;
    const receivedAtMs = now();
    const mn = packet.mn ?? '';
    const pw = packet.pw ?? '';
    // The same MN and PW as an earlier packet of this connection, the registry unchanged: the same
    // login (station-auth.ts), and no await on this path; else a login, or a refusal (frame-login.ts).
    const station = connection.logins.recall(mn, pw) ?? await stationOf(frame, packet, connection);
    if (!station) return undefined;
    if (station.hj212!.crc === 'strict' && (frame.tail !== 'crlf' || frame.lengthUnit !== 'bytes')) {
      const why = frame.lengthUnit !== 'bytes' ? 'counts its length in characters' : frame.tail === 'none' ? 'has no CR LF tail' : `ends with a bare ${frame.tail === 'lf' ? 'LF' : 'CR'}`;
      return refuse('strict_frame', 'WX_ERR_STATION_FRAME', `strict station: the frame ${why} (allowed with crc: compat)`, frame, station.id);
    }
    // Closed (by the station, or evicted) while its PW was checked: bound now, it would stay online for good.
    if (socket.destroyed) {
      metrics.packets.inc('closed');
      return undefined;
    }
    sessions.bind(station, socket, connection.session);
    if (connection.loginDeadline) {
      clearTimeout(connection.loginDeadline);
      connection.loginDeadline = undefined;
      slots.loggedIn(socket);
    }
    // The station's token bucket (red team 5: one station landed 7,971 packets a second): past it
    // the packet waits its turn behind the station's earlier ones; nothing is dropped, it is answered
    // later. Only this station waits: the connection is read on for the other analysers of its DTU,
    // and paused only while this one holds more than hj212.stationFramesHeld (station-holds.ts).
    const rateTurn = connection.holds.turnOf(station.id, rate.waitOf(station.id, packet.cp.length));
    if (rateTurn) {
      await rateTurn;
      // Gone while it waited: not stored and never answered, so the station sends it again.
      if (connection.gone()) {
        metrics.packets.inc('closed');
        return undefined;
      }
    }
    // HJ 212-2017 Table 1: unanswered in 10 s, the station sends the same frame again (3 times): answered each time, stored once.
    const claimed = resentFrames.claim(station.id, packet.qn, frame.segment, receivedAtMs);
    const claim = claimed instanceof Promise ? await claimed : claimed;
    if (claim === 'again') {
      metrics.retransmissions.inc();
      return headerOf(packet);
    }
    let header: PacketHeader | undefined;
    try {
      return (header = await storePacket(frame, variant, packet, connection, station, receivedAtMs));
    } finally {
      resentFrames.settle(claim, header !== undefined);
    }
  }

  /** A station's packet into the spool: the header to answer it with once stored, or nothing (not stored: the station sends it again). */
  async function storePacket(frame: Frame, variant: CrcVariant, packet: Packet, { socket, address, historyPws }: Connection, station: DeviceRecord, receivedAtMs: number): Promise<PacketHeader | undefined> {
    const mn = packet.mn ?? '';
    if (packet.flag?.split && reassembler.add(packet, receivedAtMs).kind === 'complete') metrics.splits.inc({ outcome: 'complete' });
    // Each part of a split packet is stored as it comes and answered on its own (C.50): the
    // parts share series and DataTime, so InfluxDB holds them as one point.
    const intake = takePacket(packet, station, deviceById, receivedAtMs, deps.limits);
    if (intake.unknown.length > 0) {
      metrics.unknownCodes.inc(intake.unknown.length);
      ingest.rejections.record({ code: 'WX_ERR_UNKNOWN_CODE', message: `codes no family takes: ${[...new Set(intake.unknown.map((item) => item.code))].join(', ').slice(0, 300)}`, readings: 0 }, { device: station.id, topic: `hj212:${mn}`, payload: frame.raw });
    }
    const records: PreparedRecord[] = intakeRecords(intake, station, packet, intake.unknown.length > 0 || intake.raw.length > 0 ? keptAt(station.id, receivedAtMs) : receivedAtMs);
    const dataRecords = intake.records.length;
    // Only what the answer and the bookkeeping need outlives the wait for the spool: a station has
    // packets in flight, and each one's parsed items kept alive past a scavenge is copied, then
    // promoted (bench:hj212: the garbage collector was a fifth of the thread and more beside it).
    const header = headerOf(packet);
    const stationValuesAt = intake.interval === 'hour' || intake.interval === 'day' ? intake.timeMs : undefined;
    let valueFamilies: FamilyId[] | undefined;
    if (stationValuesAt !== undefined) for (let i = 0; i < dataRecords; i += 1) if (records[i]!.lines.length > 0) (valueFamilies ??= []).push(records[i]!.device.family);
    const history = historyPws.get(mn) === (packet.pw ?? '');
    try {
      await ingest.acceptPrepared(records, { receivedAtMs, payload: frame.raw, topic: `hj212:${mn}`, history });
    } catch (error) {
      // Not stored (the spool stopped or is closing): no answer, and the connection closes, so the station sends it again.
      const code = isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL';
      metrics.packets.inc('not_stored');
      deps.metrics.ingestFailures.inc({ code });
      log.error({ code, err: error, mn }, 'HJ 212 packet not stored: not answered, connection closed');
      socket.destroy();
      return;
    }
    if (valueFamilies) for (const family of valueFamilies) deps.onStationValues?.(family, stationValuesAt!);
    // Answered either way (the station must not send it again), but a packet whose DataTime was refused stored nothing.
    metrics.packets.inc(intake.refused ? 'refused' : 'accepted');
    metrics.crcVariants.inc(variant);
    countFrameQuirks(metrics.frameQuirks, frame);
    // Observers read it: never the station's PW, with which they could send as the station (red team 1).
    if (deps.onStored) deps.onStored(station, () => withPwMasked(frame.raw, frame.segment));
    states.seen(station.id, { mn, atMs: receivedAtMs, crcVariant: variant, version: header.flag?.version ?? 0, address });
    return header;
  }

  function handleConnection(socket: Socket): void {
    const address = socket.remoteAddress;
    // One key per client: an IPv6 /64 is one (address-key.ts); the setting spares exact addresses.
    const slot = slots.admit(socket, addressKey(address), exempt(address));
    if (!slot.admitted) {
      metrics.connectionsClosed.inc({ reason: slot.reason });
      socket.destroy();
      return;
    }
    if (slot.evicted) {
      metrics.connectionsClosed.inc({ reason: 'evicted' });
      slot.evicted.destroy();
    }
    metrics.connections.inc();
    const flow = createReadFlow(socket, config.maxPendingPackets);
    const connection: Connection = { socket, session: `hj212#${(sessionCount += 1)}`, address, logins: createConnectionLogins(deps.registry, directory), flow, holds: createStationHolds(config.stationFramesHeld, flow.stationOverBound), loginUnderWay: undefined, loginDeadline: undefined, historyPws: new Map(), gone: () => socket.destroyed || fin.ended };
    connectionOf.set(socket, connection);
    const framer = createFramer({ maxSegmentBytes: config.maxSegmentBytes });
    // Answers leave each station's queue from its head, in order, as soon as the frames before them
    // are done (queues, not a promise chain: issue 20's throughput goal counted five promises a packet).
    const answers = createAnswerOrder<PacketHeader>((packet) => {
      try {
        answer(packet, socket, flow);
      } catch (error) {
        log.error({ err: error }, 'HJ 212 answer not sent');
      }
    }, () => { flow.done(); fin.letGo(); });
    let frameTimer: NodeJS.Timeout | undefined;
    const close = (reason: string) => {
      metrics.connectionsClosed.inc({ reason });
      socket.destroy();
    };
    socket.setNoDelay(true);
    socket.setTimeout(config.idleTimeoutMs, () => close('idle'));
    // Any byte kept a connection from being idle, garbage too: one byte every few minutes held a
    // connection slot for good without a login (red team 3). A station logs in within the idle time.
    connection.loginDeadline = setTimeout(() => close('no_login'), config.idleTimeoutMs);
    let tailTimer: NodeJS.Timeout | undefined;
    const take = (events: FramerEvent[]) => {
      // Skipped bytes summed per reason before they are counted: a stream that alternates reasons
      // (`##4096\n` repeated) is many runs a chunk, and each prom-client increment costs a microsecond.
      let skipped: Partial<Record<SkipReason, number>> | undefined;
      for (const event of events) {
        if (event.kind === 'skipped') {
          skipped ??= {};
          skipped[event.reason] = (skipped[event.reason] ?? 0) + event.bytes;
          continue;
        }
        if (event.kind === 'oversize') {
          // Refused once a frame, with its code, as the docs' refusal table says (the audit of issue 20 found it only in a metric).
          ingest.rejections.record({ code: 'WX_ERR_STATION_OVERSIZE', message: `an HJ 212 frame declared ${event.declared} bytes, above hj212.maxSegmentBytes (${config.maxSegmentBytes}): skipped, not answered`, readings: 0 }, { topic: 'hj212:oversize' });
          continue;
        }
        const { frame } = event;
        let read: ReadFrame | undefined;
        try {
          read = readFrame(frame);
        } catch (error) {
          notHandled(frame, error);
        }
        if (!read) continue;
        flow.added();
        const entry = answers.add(read.packet.mn ?? '');
        handleFrame(frame, read, connection).then((packet) => entry.settle(packet), (error: unknown) => {
          notHandled(frame, error);
          entry.settle(undefined);
        });
      }
      if (skipped) for (const reason in skipped) metrics.skippedBytes.inc({ reason }, skipped[reason as SkipReason]);
      // Slow-loris: a frame begun must end within frameTimeoutMs, however slowly its bytes come.
      if (framer.buffered === 0) {
        clearTimeout(frameTimer);
        frameTimer = undefined;
      } else frameTimer ??= setTimeout(() => close('slow_frame'), config.frameTimeoutMs);
      // A frame complete by its length but without CR LF (compat devices): taken once the station is quiet.
      clearTimeout(tailTimer);
      tailTimer = framer.awaitingTail ? setTimeout(() => take(framer.flush()), tailQuietMs) : undefined;
    };
    socket.on('data', (chunk: Buffer) => take(framer.push(chunk)));
    socket.on('error', () => undefined); // resets by stations are ordinary; the close below cleans up
    // The station shut its side (FIN): its packets on their way are answered, then the connection ends (station-fin.ts).
    const fin = watchStationFin(socket, () => answers.pending, () => {
      clearTimeout(tailTimer);
      connection.holds.close();
    });
    socket.once('close', () => {
      fin.close();
      clearTimeout(connection.loginDeadline);
      connection.holds.close();
      clearTimeout(frameTimer);
      clearTimeout(tailTimer);
      slots.release(socket);
      metrics.connections.dec();
    });
  }

  return {
    async start() {
      if (config.port === -1) return null;
      const listening = createServer({ noDelay: true, allowHalfOpen: true }, handleConnection); // half-open: station-fin.ts
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(config.port, config.host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      sweep = setInterval(() => {
        resentFrames.sweep(now());
        for (const set of reassembler.expire(now())) {
          metrics.splits.inc({ outcome: 'incomplete' });
          log.warn({ code: 'WX_ERR_SPLIT_INCOMPLETE', parts: set.parts.size, of: set.pnum }, 'HJ 212 split packet incomplete: the parts that came are stored');
        }
      }, Math.min(config.splitTimeoutMs, 10_000));
      sweep.unref();
      const address = listening.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      log.info({ host: config.host, port }, 'HJ 212 receiver listening');
      return port;
    },
    async close() {
      clearInterval(sweep);
      if (!server) return;
      const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const socket of [...slots.all()]) socket.destroy();
      await closing;
      server = undefined;
    },
    enforceRegistry: sessions.enforceRegistry,
    stations: () => states.all(),
    station: (deviceId) => states.of(deviceId),
  };
}
