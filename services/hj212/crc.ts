/**
 * HJ 212 checksums. The standard's own algorithm (HJ 212-2017 Appendix A) is not
 * CRC-16/MODBUS: each byte is XORed into the register's HIGH byte shifted down
 * (`crc = (crc >> 8) ^ byte`), which drops the low byte at every step. Real devices also
 * send CRC-16/ARC and CRC-16/MODBUS, byte-swapped or not (reference/hj212.md §2.3, §6): a device
 * in `compat` mode may use those, and the variant that matched is recorded.
 */

export type CrcVariant = 'hj212' | 'arc' | 'modbus-swapped' | 'modbus' | 'hj212-utf16' | 'hj212-ascii';
export type CrcPolicy = 'strict' | 'compat';

/**
 * The 8 shifts with 0xA001 that follow each byte, for every register value below 256, once:
 * the per-byte work of all three algorithms becomes one table look-up (the receiver computes a
 * CRC for every frame; the bit loop cost ~7 µs a 300-byte packet, the table well under 1).
 */
const shifted = new Uint16Array(256);
for (let value = 0; value < 256; value += 1) {
  let reg = value;
  for (let bit = 0; bit < 8; bit += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
  shifted[value] = reg;
}

/**
 * HJ 212-2017 Appendix A: init 0xFFFF; per byte reg = (reg >> 8) ^ byte, then 8 shifts with
 * 0xA001. `(reg >> 8) ^ byte` is always below 256, so the shifts are the table's entry for it.
 */
export function hj212Crc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let reg = 0xffff;
  for (let i = start; i < end; i += 1) reg = shifted[(reg >> 8) ^ bytes[i]!]!;
  return reg;
}

/**
 * The reflected 0xA001 CRC-16 with the register XORed by the byte's low end: MODBUS (init 0xFFFF) or ARC (init 0).
 * Table form: the high byte shifts down untouched by the 8 steps of the low byte's, which the table holds.
 */
function reflected16(init: number, bytes: Uint8Array, start: number, end: number): number {
  let reg = init;
  for (let i = start; i < end; i += 1) reg = (reg >> 8) ^ shifted[(reg ^ bytes[i]!) & 0xff]!;
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
 * accepts only the standard's; compat also ARC, byte-swapped MODBUS and MODBUS, in that order,
 * and, for a segment with non-ASCII text, the standard's loop over its characters (matchCharCrc).
 */
export function matchCrc(segment: Uint8Array, received: string, policy: CrcPolicy): CrcVariant | null {
  const value = parseCrcText(received);
  if (value === null) return null;
  if (hj212Crc(segment) === value) return 'hj212';
  if (policy === 'strict') return null;
  if (arcCrc(segment) === value) return 'arc';
  const modbus = modbusCrc(segment);
  if (swapBytes(modbus) === value) return 'modbus-swapped';
  // Plain CRC-16/MODBUS, high byte first: srdgame/lua-HJ212 ships it (crc_serial.lua) beside the byte-swapped form (reference/hj212.md §2.3, §9.3).
  if (modbus === value) return 'modbus';
  return hasNonAscii(segment) ? matchCharCrc(segment, value) : null;
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i]! >= 0x80) return true;
  return false;
}

/** The Appendix A loop over 16-bit units, as Java runs it over `char`s (the register is not held to a byte's XOR). */
function hj212UnitsCrc(text: string): number {
  let reg = 0xffff;
  for (let i = 0; i < text.length; i += 1) {
    reg = (reg >> 8) ^ text.charCodeAt(i);
    for (let bit = 0; bit < 8; bit += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
  }
  return reg;
}

/**
 * Libraries that count the length in characters compute the CRC over characters too, which
 * differs from the standard's only where the text is not ASCII (reference/hj212.md §2, §2.3,
 * §7): xiaoyao9184/hj-t212-parser over Java chars (`hj212-utf16`), caoyiliang/HJ212 over
 * `Encoding.ASCII` bytes, where each Chinese character becomes `?` (`hj212-ascii`).
 */
function matchCharCrc(segment: Uint8Array, value: number): CrcVariant | null {
  const text = Buffer.from(segment.buffer, segment.byteOffset, segment.length).toString('utf8');
  if (hj212UnitsCrc(text) === value) return 'hj212-utf16';
  if (hj212UnitsCrc(text.replace(/[\u0080-\uffff]/g, '?')) === value) return 'hj212-ascii';
  return null;
}
