import { readSecret } from './secret-input.ts';
import { UsageError } from './options.ts';

/** The shortest HJ 212 PW taken: the standard's field holds 6 characters (HJ 212-2017 Table 3), and its examples use 123456. */
export const minStationPwLength = 6;

/**
 * Why a PW cannot be a station's, or null. Too short: `--hj212-pw 1` was taken (red team 7). A
 * `;`, `,`, `=` or `&` would cut the packet's header where the PW stands (packet.ts splits on
 * them), and a control character is no logger's: the station could never log in with it.
 */
export function stationPwRefusal(pw: string): string | null {
  if ([...pw].length < minStationPwLength) return `an HJ 212 PW has at least ${minStationPwLength} characters, not ${[...pw].length} (a longer one than the factory 123456 is advised)`;
  if (/[;,=&]/.test(pw)) return 'an HJ 212 PW cannot hold ; , = or & (they separate the packet\'s fields)';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(pw)) return 'an HJ 212 PW cannot hold control characters (a line break, a tab)';
  return null;
}

/**
 * The PW of `devices add`: from `--hj212-pw PW` (visible to every user of the host in `ps`), or
 * read from `--hj212-pw-file FILE` or stdin (`--hj212-pw-file -`), as `record --password-file`
 * reads its secret; checked before it is hashed.
 */
export async function stationPwOf(options: { 'hj212-pw'?: string; 'hj212-pw-file'?: string }, help: string): Promise<string | undefined> {
  const { 'hj212-pw': given, 'hj212-pw-file': file } = options;
  if (given !== undefined && file !== undefined) throw new UsageError('give the HJ 212 PW once, with --hj212-pw or --hj212-pw-file', help);
  const pw = file !== undefined ? await readSecret(file, 'the HJ 212 PW') : given;
  if (pw === undefined) return undefined;
  const refused = stationPwRefusal(pw);
  if (refused) throw new UsageError(`${file !== undefined ? `--hj212-pw-file ${file}` : '--hj212-pw'}: ${refused}`, help);
  return pw;
}
