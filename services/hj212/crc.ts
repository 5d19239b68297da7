/**
 * HJ 212 checksums. The standard's own algorithm (HJ 212-2017 Appendix A) is not
 * CRC-16/MODBUS: each byte is XORed into the register's HIGH byte shifted down
 * (`crc = (crc >> 8) ^ byte`), which drops the low byte at every step. Real devices also
 * send CRC-16/ARC and byte-swapped CRC-16/MODBUS (reference/hj212.md §2.3, §6): a device
 * in `compat` mode may use those, and the variant that matched is recorded.
 */

export type CrcVariant = 'hj212' | 'arc' | 'modbus-swapped';
export type CrcPolicy = 'strict' | 'compat';

/** HJ 212-2017 Appendix A, literally: init 0xFFFF; per byte reg = (reg >> 8) ^ byte; then 8 shifts with 0xA001. */
export function hj212Crc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let reg = 0xffff;
  for (let i = start; i < end; i += 1) {
    reg = (reg >> 8) ^ bytes[i]!;
    for (let bit = 0; bit < 8; bit += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
  }
  return reg;
}

/** The reflected 0xA001 CRC-16 with the register XORed by the byte's low end: MODBUS (init 0xFFFF) or ARC (init 0). */
function reflected16(init: number, bytes: Uint8Array, start: number, end: number): number {
  let reg = init;
  for (let i = start; i < end; i += 1) {
    reg ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
  }
  return reg;
}

export const modbusCrc = (bytes: Uint8Array, start = 0, end = bytes.length): number => reflected16(0xffff, bytes, start, end);
export const arcCrc = (bytes: Uint8Array, start = 0, end = bytes.length): number => reflected16(0, bytes, start, end);
const swapBytes = (value: number) => ((value & 0xff) << 8) | (value >> 8);

/** Four upper-case hex digits, high byte first, as the standard prints them. */
export const crcText = (value: number): string => value.toString(16).toUpperCase().padStart(4, '0');

/** The 4 hex digits as a number, either case (devices send `7d00` as well as `7D00`); null when not hex. */
export function parseCrcText(text: string): number | null {
  return /^[0-9A-Fa-f]{4}$/.test(text) ? Number.parseInt(text, 16) : null;
}

/**
 * Which algorithm the received checksum matches over the segment's bytes, or null. Strict
 * accepts only the standard's; compat also ARC and byte-swapped MODBUS, in that order.
 */
export function matchCrc(segment: Uint8Array, received: string, policy: CrcPolicy): CrcVariant | null {
  const value = parseCrcText(received);
  if (value === null) return null;
  if (hj212Crc(segment) === value) return 'hj212';
  if (policy === 'strict') return null;
  if (arcCrc(segment) === value) return 'arc';
  if (swapBytes(modbusCrc(segment)) === value) return 'modbus-swapped';
  return null;
}
