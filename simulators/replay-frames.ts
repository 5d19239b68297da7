import { createFramer } from '../services/hj212/framer.ts';
import { parseDataTime, parseSegment } from '../services/hj212/packet.ts';
import { encodeFrame } from '../services/hj212/reply.ts';
import { historyStationPw } from '../services/hj212/simulated-station.ts';
import { HOUR_MS } from '../services/standards/beijing-time.ts';
import { connectStation, type StationConnection } from './hj212-client.ts';
import { beijingStamp } from './hj212-packets.ts';

/**
 * Recorded HJ 212 frames are shifted by whole hours, so that an hour's DataTime (its start)
 * stays on the hour; a shift of zero keeps them as recorded.
 */
export const frameShiftMs = (shiftMs: number) => Math.floor(shiftMs / HOUR_MS) * HOUR_MS;

const shifted = (stamp: string, shiftMs: number, withMs: boolean) => {
  const ms = parseDataTime(stamp);
  return ms === null ? stamp : beijingStamp(ms + shiftMs, withMs);
};

/**
 * A recorded frame as it is replayed (issue 20, item 5): QN and DataTime shifted, PW the one
 * the target's fleet key derives for the station (a recording's PW is its own platform's), the
 * CRC computed afresh. Nothing to change: the recorded bytes, unchanged.
 */
export function retimeFrame(raw: Buffer, shiftMs: number, pw: string | undefined): Buffer {
  const event = createFramer({ maxSegmentBytes: 9_999 }).push(raw).find((item) => item.kind === 'frame');
  if (event?.kind !== 'frame') return raw; // not a frame: replayed as recorded, part of what happened
  const segment = event.frame.segment.toString('utf8');
  const next = segment
    .replace(/(^|[;,])QN=(\d{17})/, (_, lead: string, qn: string) => `${lead}QN=${shifted(qn, shiftMs, true)}`)
    .replace(/(^|[;,])PW=([^;,]*)/, (all, lead: string) => (pw === undefined ? all : `${lead}PW=${pw}`))
    .replace(/(&&|[;,])DataTime=(\d{14})/, (_, lead: string, time: string) => `${lead}DataTime=${shifted(time, shiftMs, false)}`);
  return next === segment ? raw : encodeFrame(next);
}

export interface FrameSender {
  /** Sends one frame as the station; resolves when it is answered (9014/9013), or at once when it asks for no answer. */
  send(station: string, frame: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** One TCP connection per station, its frames one after another so that answers match. */
export function createFrameSender(url: { host: string; port: number }, fleetKey: string, replyTimeoutMs = 30_000): FrameSender & { pwOf(station: string): string } {
  const connections = new Map<string, Promise<StationConnection>>();
  const chains = new Map<string, Promise<void>>();
  const connectionOf = (station: string) => {
    if (!connections.has(station)) connections.set(station, connectStation(url));
    return connections.get(station)!;
  };
  async function sendOne(station: string, frame: Buffer): Promise<void> {
    const connection = await connectionOf(station);
    const event = createFramer({ maxSegmentBytes: 9_999 }).push(frame).find((item) => item.kind === 'frame');
    const parsed = event?.kind === 'frame' ? parseSegment(event.frame.segment) : null;
    connection.send(frame);
    if (!parsed?.ok || !parsed.packet.flag?.ack) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`HJ 212 frame of ${station} not answered in ${replyTimeoutMs} ms`)), replyTimeoutMs);
    });
    await Promise.race([connection.nextReply(), timeout]).finally(() => clearTimeout(timer));
  }
  return {
    // The history PW (simulated-station.ts): the platform takes these frames as history, no live alarm.
    pwOf: (station) => historyStationPw(fleetKey, station),
    send(station, frame) {
      const next = (chains.get(station) ?? Promise.resolve()).then(() => sendOne(station, frame));
      chains.set(station, next.catch(() => undefined));
      return next;
    },
    async close() {
      await Promise.all([...chains.values()]);
      await Promise.all([...connections.values()].map(async (connection) => (await connection.catch(() => undefined))?.close()));
    },
  };
}
