import { crcText, hj212Crc } from './crc.ts';
import type { Packet } from './packet.ts';

/** A data segment framed: `##`, its length in bytes, the segment, its Appendix A CRC, CR LF. */
export function encodeFrame(segment: string): Buffer {
  const bytes = Buffer.from(segment, 'utf8');
  if (bytes.length > 9999) throw new RangeError(`an HJ 212 data segment holds at most 9999 bytes, not ${bytes.length}`);
  return Buffer.concat([Buffer.from(`##${String(bytes.length).padStart(4, '0')}`, 'latin1'), bytes, Buffer.from(`${crcText(hj212Crc(bytes))}\r\n`, 'latin1')]);
}

/** Command codes of answers: a device's answer is never answered (HJ 212-2017 §6.6, Table 9). */
const answers = new Set(['9011', '9012', '9013', '9014']);

/**
 * What the platform answers a packet with, or null (HJ 212-2017 Appendix C; reference/hj212.md §3):
 * a notification 1013 (time calibration request) gets 9013; any other upload with the answer
 * bit gets 9014; both echo QN, PW and MN, with ST=91 (系统交互), Flag = version << 2 (the
 * sender's version, no answer wanted) and an empty CP. A packet without the answer bit (a
 * 2005 packet has no Flag at all) and a device's own answers get nothing.
 */
export function replyTo(packet: Packet): Buffer | null {
  if (!packet.flag?.ack || packet.cn === undefined || answers.has(packet.cn)) return null;
  const cn = packet.cn === '1013' ? '9013' : '9014';
  return encodeFrame(`QN=${packet.qn ?? ''};ST=91;CN=${cn};PW=${packet.pw ?? ''};MN=${packet.mn ?? ''};Flag=${packet.flag.version << 2};CP=&&&&`);
}
