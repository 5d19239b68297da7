import { WanxiangError } from '../errors.ts';
import { MAX_BYTES } from './parse-input.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of an input read as bytes (a file, stdin, an HTTP body). It must be UTF-8: a sheet saved
 * in GBK would otherwise come through with its Chinese text silently garbled.
 */
export function decodeInput(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_BYTES) {
    throw new WanxiangError('WX_ERR_PAYLOAD_TOO_LARGE', `the input is larger than ${MAX_BYTES} bytes (5 MiB)`, { value: bytes.byteLength });
  }
  try {
    return utf8.decode(bytes);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new WanxiangError('WX_ERR_BAD_ROW', 'the input is not UTF-8 text (save the sheet as "CSV UTF-8")', { cause: error });
  }
}
