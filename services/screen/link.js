import { beijingClock } from './dom.js';
import { t, tf } from './i18n.js';

// How long the wall may go without word from the platform before it greys everything and says
// "data as of HH:MM" (issue 21: a 40 s outage looked live). ?staleAfter=<seconds> overrides it.
const fromQuery = Number(new URLSearchParams(globalThis.location.search).get('staleAfter'));
export const STALE_AFTER_MS = Number.isFinite(fromQuery) && fromQuery > 0 ? fromQuery * 1_000 : 10_000;
// The stream sends a heartbeat event every 15 s even when the district is quiet.
const QUIET_MS = 40_000;

/**
 * The link to the platform: a banner as soon as the stream is down, and the whole wall greyed with
 * "data as of HH:MM (Beijing time)" once nothing has been heard for STALE_AFTER_MS.
 */
export function createLink({ banner, text, indicator, indicatorText }) {
  let up = false;
  let downSinceMs = Date.now();
  let lastHeardMs = null;
  let everUp = false;
  const startedMs = Date.now();

  function paint(now = Date.now()) {
    const stale = everUp && ((!up && now - downSinceMs > STALE_AFTER_MS) || (up && lastHeardMs !== null && now - lastHeardMs > QUIET_MS));
    const down = !up && (everUp || now - startedMs > STALE_AFTER_MS);
    document.body.classList.toggle('stale', stale);
    document.body.classList.toggle('link-down', down);
    banner.hidden = !(down || stale);
    const asOf = lastHeardMs === null ? '' : ` ${t('dataAsOf')} ${beijingClock(lastHeardMs)}（${t('beijing')}）`;
    text.textContent = `${stale ? tf('streamStale', { s: Math.round(STALE_AFTER_MS / 1_000) }) : t('streamDown')}${asOf}`;
    indicator.classList.toggle('up', up && !stale);
    indicatorText.dataset.i18n = up ? 'connected' : 'reconnecting';
    indicatorText.textContent = t(up ? 'connected' : 'reconnecting');
  }

  return {
    up() {
      up = true;
      everUp = true;
      lastHeardMs = Date.now();
      paint();
    },
    down() {
      if (up) downSinceMs = Date.now();
      up = false;
      paint();
    },
    heard() {
      lastHeardMs = Date.now();
    },
    /** True when what the wall shows can no longer be called live. */
    get stale() { return document.body.classList.contains('stale'); },
    tick: paint,
  };
}
