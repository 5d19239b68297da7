import { crcText, hj212Crc } from './crc.ts';
import type { Packet } from './packet.ts';

/** What an answer echoes of its packet. */
export type PacketHeader = Pick<Packet, 'qn' | 'cn' | 'pw' | 'mn' | 'flag'>;

/** A packet's header alone: all an answer needs, kept while the packet waits for the spool (its parsed items are not). */
export const headerOf = ({ qn, cn, pw, mn, flag }: PacketHeader): PacketHeader => ({ qn, cn, pw, mn, flag });

/** A data segment framed: `##`, its length in bytes, the segment, its Appendix A CRC, CR LF (one buffer, written in place). */
export function encodeFrame(segment: string): Buffer {
  const length = Buffer.byteLength(segment, 'utf8');
  if (length > 9999) throw new RangeError(`an HJ 212 data segment holds at most 9999 bytes, not ${length}`);
  const frame = Buffer.allocUnsafe(length + 12);
  frame.write(`##${String(length).padStart(4, '0')}`, 0, 'latin1');
  frame.write(segment, 6, 'utf8');
  frame.write(`${crcText(hj212Crc(frame, 6, 6 + length))}\r\n`, 6 + length, 'latin1');
  return frame;
}

/** Command codes of answers: a device's answer is never answered (HJ 212-2017 §6.6, Table 9). */
const answers = new Set(['9011', '9012', '9013', '9014']);

/**
 * Notifications, answered with 9013 (通知应答) rather than 9014: 1013 time calibration request
 * (HJ 212-2017 C.4) and, in HJ 212-2025 as caoyiliang/HJ212 implements it (GB.cs: their requests
 * wait for `CN9013Rsp`, which checks CN=9013), 9015 heartbeat (reference/hj212.md §3, §9.1),
 * 1001 logger hardware serial and 1014 new key request. A 9014 would leave such a device waiting.
 */
const notifications = new Set(['1013', '9015', '1001', '1014']);

/** The answer's command code for a packet that wants one: 9013 for a notification, else 9014. */
export const answerCnOf = (cn: string | undefined): '9013' | '9014' => (cn !== undefined && notifications.has(cn) ? '9013' : '9014');

/**
 * What the platform answers a packet with, or null (HJ 212-2017 Appendix C; reference/hj212.md §3):
 * a notification (1013 time calibration request, 2025's 9015 heartbeat, …) gets 9013; any other upload with the answer
 * bit gets 9014; both echo QN, PW and MN, with ST=91 (系统交互), Flag = version << 2 (the
 * sender's version, no answer wanted) and an empty CP. A packet without the answer bit (a
 * 2005 packet has no Flag at all, unless its station asks for answers) and a device's own answers get nothing.
 */
export function replyTo(packet: PacketHeader, options: { answerFlagless?: boolean } = {}): Buffer | null {
  // A packet without a Flag (HJ/T 212-2005) is answered only for a station registered with
  // answerFlagless, as caoyiliang/HJ212_Server answers every Flag-less packet (reference/hj212.md §3): as version 0.
  const wanted = packet.flag ? packet.flag.ack : options.answerFlagless === true;
  if (!wanted || packet.cn === undefined || answers.has(packet.cn)) return null;
  const cn = answerCnOf(packet.cn);
  return encodeFrame(`QN=${packet.qn ?? ''};ST=91;CN=${cn};PW=${packet.pw ?? ''};MN=${packet.mn ?? ''};Flag=${(packet.flag?.version ?? 0) << 2};CP=&&&&`);
}
