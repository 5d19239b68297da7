import { encodeFrame } from './reply.ts';

/** What a relayed or recorded frame carries where the station's PW stood. */
export const maskedPw = '******';

const cpMarker = 'CP=&&';

/**
 * A stored frame as it leaves the receiver for observers (`<prefix>/v1/hj212/<device>`) and so
 * for `wanxiang record` (red team 1: any observer read every station's PW there, and with it could
 * send as that station). Every `PW=` of the header, found by key as packet.ts reads it (items
 * split on `;` and `,`, keys trimmed), gets `******`; the length field and the Appendix A CRC are
 * computed afresh, so the frame stays valid (framed as the standard says: byte length, CR LF).
 * `wanxiang replay` puts the target's PW in its place (simulators/replay-frames.ts). A frame without
 * a PW is returned as it is.
 */
export function withPwMasked(raw: Buffer, segment: Buffer): Buffer {
  const text = segment.toString('utf8');
  const cpAt = text.indexOf(cpMarker);
  const headerEnd = cpAt === -1 ? text.length : cpAt;
  let masked = '';
  let copiedTo = 0;
  let itemStart = 0;
  while (itemStart <= headerEnd) {
    let itemEnd = itemStart;
    let equals = -1;
    for (; itemEnd < headerEnd; itemEnd += 1) {
      const char = text[itemEnd];
      if (char === ';' || char === ',') break;
      if (char === '=' && equals === -1) equals = itemEnd;
    }
    if (equals !== -1 && text.slice(itemStart, equals).trim() === 'PW') {
      masked += `${text.slice(copiedTo, equals + 1)}${maskedPw}`;
      copiedTo = itemEnd;
    }
    itemStart = itemEnd + 1;
  }
  if (copiedTo === 0) return raw;
  return encodeFrame(masked + text.slice(copiedTo));
}
