import type { Logger } from 'pino';
import { simulatedStationPw } from '../services/hj212/simulated-station.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { deviceReportIntervalMs } from '../services/registry/report-interval.ts';
import { HOUR_MS } from '../services/standards/beijing-time.ts';
import { generateReading } from './generate-reading.ts';
import { decibelKeys, hourPacket, hourStatistics, lastCompleteHourStart, realtimePacket, type StationPacket } from './hj212-packets.ts';
import { connectStation, type StationConnection } from './hj212-client.ts';
import { createRng } from './rng.ts';

export interface Hj212FleetOptions {
  readonly url: { readonly host: string; readonly port: number };
  /** Stations: devices with an `hj212` block in the registry. */
  readonly devices: readonly DeviceRecord[];
  readonly fleetKey: string;
  readonly seed: number;
  readonly log: Logger;
  /** Real-time interval for every station; by default each family's own. */
  readonly intervalMs?: number;
  /** How long a station waits for the 9014 before it sends the packet again, and how often (HJ 212-2017 Table 1 OverTime/ReCount: 10 s, 3). */
  readonly replyTimeoutMs?: number;
  readonly retries?: number;
  readonly now?: () => number;
}

export interface Hj212FleetStats {
  readonly stations: number;
  readonly connected: number;
  /** Frames written, resends included. */
  readonly sent: number;
  readonly answered: number;
  readonly resent: number;
  /** Hourly packets given up after every retry went unanswered. */
  readonly unanswered: number;
}

export interface Hj212Fleet {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): Hj212FleetStats;
}

interface Station {
  readonly device: DeviceRecord;
  readonly pw: string;
  connection?: StationConnection;
  connecting?: Promise<StationConnection>;
  timers: NodeJS.Timeout[];
  lastSentAt: number;
  /** Hourly packets waiting for their 9014, by QN: told true when it comes, false at close. */
  readonly waiting: Map<string, (answered: boolean) => void>;
}

/**
 * Simulated HJ 212 stations (issue 20, item 5), each over a TCP connection of its own as a
 * real station's data logger: real-time packets (2011, no answer) at its interval, and at each
 * hour's end the hour's Avg/Min/Max (2061) with the answer bit, sent again when its 9014 does
 * not come in time (OverTime/ReCount), and again after a reconnect. On start a station sends
 * the last complete hour, as a logger back on line does.
 */
export function createHj212Fleet(options: Hj212FleetOptions): Hj212Fleet {
  const now = options.now ?? Date.now;
  const replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
  const retries = options.retries ?? 3;
  const stations: Station[] = options.devices.map((device) => ({ device, pw: simulatedStationPw(options.fleetKey, device.id), timers: [], lastSentAt: 0, waiting: new Map() }));
  const counts = { sent: 0, answered: 0, resent: 0, unanswered: 0 };
  let closed = false;

  function connectionOf(station: Station): Promise<StationConnection> {
    if (station.connection && !station.connection.socket.destroyed) return Promise.resolve(station.connection);
    station.connecting ??= connectStation(options.url).then((connection) => {
      station.connection = connection;
      station.connecting = undefined;
      void readReplies(station, connection);
      return connection;
    }, (error: unknown) => {
      station.connecting = undefined;
      throw error;
    });
    return station.connecting;
  }

  // Answers come in order on one connection, but a station matches them by QN, as the standard says.
  async function readReplies(station: Station, connection: StationConnection): Promise<void> {
    for (;;) {
      const reply = await connection.nextReply().catch(() => null);
      if (reply === null) return;
      const qn = /QN=(\d+)/.exec(reply)?.[1];
      if (qn !== undefined) station.waiting.get(qn)?.(true);
    }
  }

  // QNs of one station never repeat (a packet and its resends share one).
  const sentAt = (station: Station) => (station.lastSentAt = Math.max(now(), station.lastSentAt + 1));

  async function send(station: Station, packet: StationPacket): Promise<void> {
    const connection = await connectionOf(station);
    connection.send(packet.frame);
    counts.sent += 1;
  }

  /** Sends until answered, at most 1 + retries times; false when every try went unanswered. */
  async function sendAnswered(station: Station, packet: StationPacket): Promise<boolean> {
    for (let attempt = 0; attempt <= retries && !closed; attempt += 1) {
      if (attempt > 0) counts.resent += 1;
      const answered = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), replyTimeoutMs);
        station.waiting.set(packet.qn, (ok) => {
          clearTimeout(timer);
          resolve(ok);
        });
      });
      try {
        await send(station, packet);
      } catch (error) {
        options.log.debug({ device: station.device.id, err: error }, 'HJ 212 station could not connect; trying again');
      }
      const ok = await answered;
      station.waiting.delete(packet.qn);
      if (ok) {
        counts.answered += 1;
        return true;
      }
    }
    if (!closed) counts.unanswered += 1;
    return false;
  }

  function realtime(station: Station): void {
    const ts = now();
    const packet = realtimePacket(station.device, station.pw, generateReading(options.seed, station.device, ts), ts, sentAt(station));
    send(station, packet).catch((error: unknown) => options.log.debug({ device: station.device.id, err: error }, 'HJ 212 real-time packet not sent'));
  }

  function hour(station: Station, hourStartMs: number): void {
    const readings = Array.from({ length: 12 }, (_, i) => generateReading(options.seed, station.device, hourStartMs + i * 300_000));
    const packet = hourPacket(station.device, station.pw, hourStatistics(readings, decibelKeys(station.device)), hourStartMs, sentAt(station));
    void sendAnswered(station, packet).then((ok) => {
      if (!ok && !closed) options.log.warn({ device: station.device.id, qn: packet.qn }, 'HJ 212 hourly packet unanswered after every retry');
    });
  }

  function schedule(station: Station, spread: number): void {
    const interval = options.intervalMs ?? deviceReportIntervalMs(station.device);
    const first = setTimeout(() => {
      realtime(station);
      station.timers.push(setInterval(() => realtime(station), interval));
    }, Math.floor(spread * interval));
    // Each hour's values a little after it ends (a logger closes the hour, then sends).
    const toNextHour = HOUR_MS - (now() % HOUR_MS) + 5_000 + Math.floor(spread * 30_000);
    const hourly = setTimeout(() => {
      hour(station, lastCompleteHourStart(now()));
      station.timers.push(setInterval(() => hour(station, lastCompleteHourStart(now())), HOUR_MS));
    }, toNextHour);
    station.timers.push(first, hourly);
  }

  return {
    async start() {
      const rng = createRng(options.seed);
      await Promise.all(stations.map((station) => connectionOf(station)));
      for (const station of stations) {
        hour(station, lastCompleteHourStart(now()));
        schedule(station, rng.next());
      }
      options.log.info({ stations: stations.length }, 'simulated HJ 212 stations reporting');
    },
    async close() {
      closed = true;
      for (const station of stations) {
        for (const timer of station.timers) clearTimeout(timer);
        for (const settle of station.waiting.values()) settle(false);
      }
      await Promise.all(stations.map(async (station) => {
        const connection = station.connection ?? (await station.connecting?.catch(() => undefined));
        await connection?.close();
      }));
    },
    stats: () => ({
      stations: stations.length,
      connected: stations.filter((station) => station.connection && !station.connection.socket.destroyed).length,
      ...counts,
    }),
  };
}
