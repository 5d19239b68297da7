import { WanxiangError, isWanxiangError } from '../errors.ts';
import { asCoded } from './failure.ts';

// CONNACK return codes that mean "not you": MQTT 3.1.1 §3.2.2.3 (4 bad user name or password,
// 5 not authorized) and their MQTT 5 reason codes (134, 135).
const refusedLogin = new Set([4, 5, 134, 135]);

/**
 * Runs work that talks to a broker; a refused login or an unreachable broker becomes one coded
 * line. `loginHint` replaces the generic advice where the command knows where its secret came from.
 */
export async function brokerStep<T>(url: string, work: () => Promise<T>, loginHint = 'check --username and --password, or the fleet key (WX_FLEET_KEY)'): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const cause = isWanxiangError(error) && error.cause !== undefined ? error.cause : error;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'number' && refusedLogin.has(code)) {
      throw new WanxiangError('WX_ERR_BAD_CREDENTIALS', `the broker at ${url} refused the login (${(cause as Error).message}): ${loginHint}`, { cause });
    }
    if (isWanxiangError(error) && error.code !== 'WX_ERR_INTERNAL') throw error;
    const coded = asCoded(cause);
    if (coded.code === 'WX_ERR_CONNECTION') throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach the broker at ${url}: ${coded.message}`, { cause });
    throw isWanxiangError(error) ? error : coded;
  }
}
