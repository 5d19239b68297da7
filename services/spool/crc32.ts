import * as zlib from 'node:zlib';

// CRC-32/ISO-HDLC (the zlib/PNG polynomial, reflected 0xEDB88320), so the table
// fallback and node:zlib's native crc32 produce the same checksums on disk.
const table = new Uint32Array(256);
for (let n = 0; n < 256; n += 1) {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c >>> 0;
}

/** The table-driven CRC32, used where node:zlib has no crc32 (Node < 20.15). */
export function crc32Table(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i += 1) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// zlib.crc32 arrived in Node 20.15 / 22.2; @types/node 20 may not declare it.
const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export const crc32: (data: Uint8Array) => number = typeof native === 'function' ? (data) => native(data) >>> 0 : crc32Table;
