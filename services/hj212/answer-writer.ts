import type { Socket } from 'node:net';
import type { Hj212Metrics } from './hj212-metrics.ts';
import type { ReadFlow } from './read-flow.ts';
import { answerCnOf, replyTo, type PacketHeader } from './reply.ts';
import type { StationDirectory } from './station-auth.ts';

/** Writes a packet's answer on its connection, when it wants one (reply.ts says which answer). */
export function createAnswerWriter(directory: StationDirectory, metrics: Hj212Metrics): (packet: PacketHeader, socket: Socket, flow: ReadFlow) => void {
  return (packet, socket, flow) => {
    // A Flag-less (2005) packet is answered when its station asks for it (registry `answerFlagless`); the rest carry their own Flag.
    const reply = replyTo(packet, packet.flag ? undefined : { answerFlagless: directory.byMn(packet.mn ?? '')?.hj212?.answerFlagless });
    if (!reply || socket.destroyed) return;
    // The answers a spool flush releases together leave in one write (a station has several packets in flight).
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    // Past the high-water mark the station is not reading its answers: its connection is read no more until they drain.
    if (!socket.write(reply)) flow.answersUnread();
    metrics.replies.inc(answerCnOf(packet.cn));
  };
}
