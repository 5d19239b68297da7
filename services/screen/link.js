import { beijingClock, setText } from './dom.js';
import { t, tf } from './i18n.js';
import { onServerClock } from './clock.js';

// How long the wall may go without word from the platform before it greys everything and says
// "data as of HH:MM" (issue 21: a 40 s outage looked live). ?staleAfter=<seconds> overrides it.
const fromQuery = Number(new URLSearchParams(globalThis.location.search).get('staleAfter'));
export const STALE_AFTER_MS = Number.isFinite(fromQuery) && fromQuery > 0 ? fromQuery * 1_000 : 10_000;
// The stream sends a heartbeat event every 5 s even when the district is quiet (services/live,
// heartbeatMs). A connected stream that carries nothing for two heartbeats and some is a hung
// platform (its TCP connection open, nothing coming: audit of issue 21, kill -STOP): it is judged
// stale like a dropped one, and the stream is opened again.
export const QUIET_MS = Math.max(12_000, STALE_AFTER_MS);

/**
 * The link to the platform: a banner as soon as the stream is down, and the whole wall greyed with
 * "data as of HH:MM (Beijing time)" once nothing has been heard for STALE_AFTER_MS, or for QUIET_MS
 * while the stream still looks connected; `onQuiet` is then called once, to reconnect.
 */
export function createLink({ banner, text, indicator, indicatorText, onQuiet = () => undefined }) {
  let up = false;
  let downSinceMs = Date.now();
  let lastHeardMs = null;
  let everUp = false;
  const startedMs = Date.now();

  function paint(now = Date.now()) {
    const quiet = up && lastHeardMs !== null && now - lastHeardMs > QUIET_MS;
    const stale = everUp && ((!up && now - downSinceMs > STALE_AFTER_MS) || quiet);
    const down = !up && (everUp || now - startedMs > STALE_AFTER_MS);
    // Painted every second: only what changed is written (the same text set again is still laid out).
    document.body.classList.toggle('stale', stale);
    document.body.classList.toggle('link-down', down);
    if (banner.hidden !== !(down || stale)) banner.hidden = !(down || stale);
    const asOf = lastHeardMs === null ? '' : ` ${t('dataAsOf')} ${beijingClock(onServerClock(lastHeardMs))}（${t('beijing')}）`;
    if (!banner.hidden) setText(text, `${stale ? tf('streamStale', { s: Math.round((quiet ? QUIET_MS : STALE_AFTER_MS) / 1_000) }) : t('streamDown')}${asOf}`);
    indicator.classList.toggle('up', up && !stale);
    const state = up && !stale ? 'connected' : 'reconnecting';
    if (indicatorText.dataset.i18n !== state) indicatorText.dataset.i18n = state;
    setText(indicatorText, t(state));
    return quiet;
  }

  const link = {
    up() {
      up = true;
      everUp = true;
      lastHeardMs = Date.now();
      paint();
    },
    /** The stream is down since `sinceMs` (now, or when it was last heard from for a hung one). */
    down(sinceMs = Date.now()) {
      if (up) downSinceMs = sinceMs;
      up = false;
      paint();
    },
    heard() {
      lastHeardMs = Date.now();
    },
    /** True when what the wall shows can no longer be called live. */
    get stale() { return document.body.classList.contains('stale'); },
    tick(now = Date.now()) {
      if (!paint(now)) return;
      // Connected but silent: down as of when it was last heard, and asked to reconnect.
      link.down(lastHeardMs);
      onQuiet();
    },
  };
  return link;
}
