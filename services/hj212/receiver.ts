import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { createLoginThrottle } from '../broker/login-throttle.ts';
import type { Config } from '../config.ts';
import { isWanxiangError, type ErrorCode } from '../errors.ts';
import type { PreparedRecord } from '../ingest/accept-prepared.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { TimeLimits } from '../ingest/timestamps.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { FamilyId } from '../families/index.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { matchCrc, type CrcVariant } from './crc.ts';
import { createFramer, type Frame } from './framer.ts';
import { createHj212Metrics, type PacketResult } from './hj212-metrics.ts';
import { parseSegment, type Packet } from './packet.ts';
import { createReassembler } from './reassembly.ts';
import { replyTo } from './reply.ts';
import { createStationDirectory } from './station-auth.ts';
import { takePacket, unknownLine } from './station-door.ts';

/** What the live API says of a station speaking HJ 212 (issue 20, item 2). */
export interface StationState {
  readonly device: string;
  readonly protocol: 'hj212';
  readonly mn: string;
  readonly lastPacketAt: string;
  readonly crcVariant: CrcVariant;
  /** The Flag's version bits of the last packet: 0 HJ/T 212-2005, 1 HJ 212-2017, 2 HJ 212-2025. */
  readonly version: number;
  readonly address: string | undefined;
  readonly connected: boolean;
}

export interface Hj212ReceiverDeps {
  readonly config: Config['hj212'];
  /** Login throttling as the broker's (config.mqtt: failures per address and per device per window). */
  readonly logins: Pick<Config['mqtt'], 'loginFailuresPerAddress' | 'loginFailuresPerDevice' | 'loginThrottleMs'>;
  readonly limits: TimeLimits;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
  /** Told when a station's own hourly or daily values are stored: the rollups of that day are due again (they use them). */
  readonly onStationValues?: (family: FamilyId, timeMs: number) => void;
  /** Told of each frame once what it carries is stored (the platform relays it to observers for `record`). */
  readonly onStored?: (station: DeviceRecord, raw: Buffer) => void;
}

export interface Hj212Receiver {
  /** Listens; resolves with the port (null when turned off with port -1). */
  start(): Promise<number | null>;
  close(): Promise<void>;
  stations(): StationState[];
  station(deviceId: string): StationState | undefined;
}

/**
 * The HJ 212 door (issue 20): a TCP listener whose connections are framed byte-exactly,
 * checked (CRC per the station's policy, MN and PW against the registry, throttled like MQTT
 * logins), mapped through the family modules, and handed to the same ingest as MQTT messages.
 * A packet is answered (9014, or 9013 for 1013) only once what it carries is in the spool,
 * the same promise as the PUBACK; a bad CRC, an unknown MN or a wrong PW get no answer
 * (HJ 212-2017 §6.3.1: "如果 CRC 错误，执行结束").
 */
export function createHj212Receiver(deps: Hj212ReceiverDeps): Hj212Receiver {
  const { config, ingest, log } = deps;
  const now = deps.now ?? Date.now;
  const metrics = createHj212Metrics(deps.metrics);
  const directory = createStationDirectory(deps.registry);
  const throttle = createLoginThrottle({ windowMs: deps.logins.loginThrottleMs, now });
  const reassembler = createReassembler({ timeoutMs: config.splitTimeoutMs, maxSets: config.maxSplitSets, onEvicted: () => metrics.splits.inc({ outcome: 'incomplete' }) });
  const states = new Map<string, Omit<StationState, 'connected'>>();
  const liveSessions = new Map<string, Set<Socket>>();
  const sockets = new Set<Socket>();
  const perAddress = new Map<string, number>();
  let server: Server | undefined;
  let sweep: NodeJS.Timeout | undefined;
  let sessionCount = 0;

  const refuse = (result: PacketResult, code: ErrorCode, message: string, frame: Frame, device?: string): undefined => {
    metrics.packets.inc({ result });
    ingest.rejections.record({ code, message, readings: 0 }, { device, topic: `hj212:${result}`, payload: frame.raw });
    return undefined;
  };

  /**
   * One frame, up to the spool: the packet to answer once stored, or nothing. A connection's
   * frames are handled as they come, their spool appends overlapping (each is its own point, a
   * station's 4 packets in flight share one fsync); their answers go out in arrival order.
   */
  async function handleFrame(frame: Frame, socket: Socket, session: string, address: string | undefined): Promise<Packet | undefined> {
    const receivedAtMs = now();
    const parsed = parseSegment(frame.segment);
    if (!parsed.ok) return refuse('malformed', 'WX_ERR_STATION_FRAME', parsed.reason, frame);
    const { packet } = parsed;
    const mn = packet.mn ?? '';
    if (throttle.isThrottled(`address:${address}`, deps.logins.loginFailuresPerAddress) || throttle.isThrottled(`device:${mn}`, deps.logins.loginFailuresPerDevice)) {
      metrics.packets.inc({ result: 'throttled' });
      return;
    }
    const known = directory.byMn(mn);
    const variant = matchCrc(frame.segment, frame.crc, known?.hj212?.crc ?? 'strict');
    if (variant === null) return refuse('bad_crc', 'WX_ERR_STATION_BAD_CRC', `CRC ${frame.crc} does not match the data segment (MN ${mn.slice(0, 32)})`, frame, known?.id);
    const login = await directory.login(mn, packet.pw ?? '');
    if (!login.ok) {
      throttle.recordFailure(`address:${address}`);
      throttle.recordFailure(`device:${mn}`);
      const result = login.code === 'WX_ERR_UNKNOWN_DEVICE' ? 'unknown_mn' : login.code === 'WX_ERR_DEVICE_DISABLED' ? 'disabled' : 'bad_pw';
      return refuse(result, login.code, `HJ 212 packet refused: ${result} (MN ${JSON.stringify(mn.slice(0, 32))})`, frame, known?.id);
    }
    const { station } = login;
    if (station.hj212!.crc === 'strict' && (frame.tail !== 'crlf' || frame.lengthUnit !== 'bytes')) {
      return refuse('strict_frame', 'WX_ERR_STATION_FRAME', `strict station: the frame ${frame.tail === 'lf' ? 'ends with a bare LF' : 'counts its length in characters'} (allowed with crc: compat)`, frame, station.id);
    }
    bindSession(station.id, socket, session);
    if (packet.flag?.split) {
      const outcome = reassembler.add(packet, receivedAtMs);
      if (outcome.kind === 'complete') metrics.splits.inc({ outcome: 'complete' });
    }
    // Each part of a split packet is stored as it comes and answered on its own (C.50): the
    // parts share series and DataTime, so InfluxDB holds them as one point.
    const intake = takePacket(packet, station, (id) => deps.registry.device(id), receivedAtMs, deps.limits);
    const records: PreparedRecord[] = [...intake.records];
    if (intake.refused) records.push({ device: station, lines: [], readings: [], refusals: [intake.refused] });
    if (intake.unknown.length > 0) {
      metrics.unknownCodes.inc(intake.unknown.length);
      ingest.rejections.record({ code: 'WX_ERR_UNKNOWN_CODE', message: `codes no family takes: ${[...new Set(intake.unknown.map((item) => item.code))].join(', ').slice(0, 300)}`, readings: 0 }, { device: station.id, topic: `hj212:${mn}`, payload: frame.raw });
      records.push({ device: station, lines: [unknownLine(station, packet, intake.unknown, intake.interval, receivedAtMs)], readings: [], refusals: [] });
    }
    try {
      await ingest.acceptPrepared(records, { receivedAtMs, payload: frame.raw, topic: `hj212:${mn}` });
    } catch (error) {
      // Not stored (the spool stopped or is closing): no answer, and the connection closes, so the station sends it again.
      const code = isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL';
      metrics.packets.inc({ result: 'not_stored' });
      deps.metrics.ingestFailures.inc({ code });
      log.error({ code, err: error, mn }, 'HJ 212 packet not stored: not answered, connection closed');
      socket.destroy();
      return;
    }
    if (intake.timeMs !== undefined && (intake.interval === 'hour' || intake.interval === 'day')) {
      for (const record of intake.records) if (record.lines.length > 0) deps.onStationValues?.(record.device.family, intake.timeMs);
    }
    metrics.packets.inc({ result: 'accepted' });
    metrics.crcVariants.inc({ variant });
    deps.onStored?.(station, frame.raw);
    states.set(station.id, { device: station.id, protocol: 'hj212', mn, lastPacketAt: new Date(receivedAtMs).toISOString(), crcVariant: variant, version: packet.flag?.version ?? 0, address });
    return packet;
  }

  function answer(packet: Packet, socket: Socket): void {
    const reply = replyTo(packet);
    if (!reply || socket.destroyed) return;
    // The answers a spool flush releases together leave in one write (a station has several packets in flight).
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(reply);
    metrics.replies.inc({ cn: reply.toString('latin1', 6, 60).match(/CN=(\d{4})/)?.[1] ?? 'other' });
  }

  function bindSession(deviceId: string, socket: Socket, session: string): void {
    let live = liveSessions.get(deviceId);
    if (!live) liveSessions.set(deviceId, (live = new Set()));
    if (live.has(socket)) return;
    live.add(socket);
    ingest.presence.connected(deviceId, session);
    socket.once('close', () => {
      live.delete(socket);
      if (live.size === 0) liveSessions.delete(deviceId);
      ingest.presence.disconnected(deviceId, session);
    });
  }

  function handleConnection(socket: Socket): void {
    const address = socket.remoteAddress;
    const key = address ?? 'unknown';
    const exempt = config.connectionLimitExempt.includes(key);
    if (sockets.size >= config.maxConnections || (!exempt && (perAddress.get(key) ?? 0) >= config.connectionsPerAddress)) {
      metrics.connectionsClosed.inc({ reason: sockets.size >= config.maxConnections ? 'limit' : 'per_address' });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    perAddress.set(key, (perAddress.get(key) ?? 0) + 1);
    metrics.connections.inc();
    const session = `hj212#${(sessionCount += 1)}`;
    const framer = createFramer({ maxSegmentBytes: config.maxSegmentBytes });
    let chain: Promise<void> = Promise.resolve();
    let pending = 0;
    let frameTimer: NodeJS.Timeout | undefined;
    const close = (reason: string) => {
      metrics.connectionsClosed.inc({ reason });
      socket.destroy();
    };
    socket.setNoDelay(true);
    socket.setTimeout(config.idleTimeoutMs, () => close('idle'));
    socket.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.kind === 'skipped') {
          metrics.skippedBytes.inc({ reason: event.reason }, event.bytes);
          continue;
        }
        pending += 1;
        if (pending >= config.maxPendingPackets) socket.pause();
        const handled = handleFrame(event.frame, socket, session, address);
        handled.catch(() => undefined); // observed below, in order; this only keeps it from counting as unhandled meanwhile
        chain = chain.then(() => handled).then((packet) => packet && answer(packet, socket)).catch((error: unknown) => log.error({ err: error }, 'HJ 212 frame handling failed')).finally(() => {
          pending -= 1;
          if (pending < config.maxPendingPackets && socket.isPaused() && !socket.destroyed) socket.resume();
        });
      }
      // Slow-loris: a frame begun must end within frameTimeoutMs, however slowly its bytes come.
      if (framer.buffered === 0) {
        clearTimeout(frameTimer);
        frameTimer = undefined;
      } else frameTimer ??= setTimeout(() => close('slow_frame'), config.frameTimeoutMs);
    });
    socket.on('error', () => undefined); // resets by stations are ordinary; the close below cleans up
    socket.once('close', () => {
      clearTimeout(frameTimer);
      sockets.delete(socket);
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
      metrics.connections.dec();
    });
  }

  const withConnection = (state: Omit<StationState, 'connected'>): StationState => ({ ...state, connected: liveSessions.has(state.device) });

  return {
    async start() {
      if (config.port === -1) return null;
      const listening = createServer({ noDelay: true }, handleConnection);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(config.port, config.host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      sweep = setInterval(() => {
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
      for (const socket of sockets) socket.destroy();
      await closing;
      server = undefined;
    },
    stations: () => [...states.values()].map(withConnection),
    station: (deviceId) => {
      const state = states.get(deviceId);
      return state && withConnection(state);
    },
  };
}
