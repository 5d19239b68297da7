import { matchCrc, type CrcVariant } from './crc.ts';
import type { Refuse } from './frame-login.ts';
import type { Frame } from './framer.ts';
import { parseSegment, type Packet } from './packet.ts';
import type { StationDirectory } from './station-auth.ts';

/** A frame's packet and the CRC variant that matched, read as the frame was taken. */
export interface ReadFrame {
  readonly packet: Packet;
  readonly variant: CrcVariant;
}

/**
 * A frame as it is taken, before anything waits: its packet and the CRC that matched, or refused
 * at once when it can never be answered (unparseable; a CRC that does not match, HJ 212-2017
 * §6.3.1), so that it joins no station's answer queue (answer-order.ts says why).
 */
export function createFrameReader(directory: Pick<StationDirectory, 'byMn'>, refuse: Refuse): (frame: Frame) => ReadFrame | undefined {
  return (frame) => {
    const parsed = parseSegment(frame.segment);
    if (!parsed.ok) return refuse('malformed', 'WX_ERR_STATION_FRAME', parsed.reason, frame);
    const mn = parsed.packet.mn ?? '';
    // The registry's record as it is now: a login recalled on the connection is this very record (station-auth.ts).
    const known = directory.byMn(mn);
    const variant = matchCrc(frame.segment, frame.crc, known?.hj212?.crc ?? 'strict');
    if (variant === null) return refuse('bad_crc', 'WX_ERR_STATION_BAD_CRC', `CRC ${frame.crc} does not match the data segment (MN ${mn.slice(0, 32)})`, frame, known?.id);
    return { packet: parsed.packet, variant };
  };
}
