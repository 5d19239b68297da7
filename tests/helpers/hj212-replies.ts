import { parseSegment } from '../../services/hj212/packet.ts';
import type { StationConnection } from '../../simulators/hj212-client.ts';

/** The next `count` answers on a connection, as they came. */
export async function nextReplies(connection: StationConnection, count: number): Promise<string[]> {
  const replies: string[] = [];
  for (let i = 0; i < count; i += 1) replies.push(await connection.nextReply());
  return replies;
}

/**
 * Answers (whole frames) grouped by the MN they echo, each station's in the order they came. The
 * receiver keeps each station's answers in its own order, not the connection's across stations
 * (services/hj212/answer-order.ts): compare `byStation(received)` with `byStation(expected)`.
 */
export function byStation(replies: readonly string[]): Record<string, string[]> {
  const stations = new Map<string, string[]>();
  for (const reply of replies) {
    // `##` + 4 length digits before the segment, 4 CRC digits + CR LF after it.
    const parsed = parseSegment(reply.slice(6, -6));
    const mn = parsed.ok ? (parsed.packet.mn ?? '') : `unparseable: ${reply}`;
    const own = stations.get(mn);
    if (own) own.push(reply);
    else stations.set(mn, [reply]);
  }
  return Object.fromEntries(stations);
}
