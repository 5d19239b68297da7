import { serverNow } from './clock.js';
// A tiny DOM builder: text is always set as text (never HTML), so registry or alarm data cannot inject markup.

/**
 * A listener kept in `element.wxOn` and called through one listener per type, so patch() can give
 * an element kept in place the handlers of the one built to replace it (an alarm card's buttons
 * act on the alarm as it is now, not as it was when the card was first drawn).
 */
function listen(element, type, handler) {
  element.wxOn ??= {};
  if (!(type in element.wxOn)) element.addEventListener(type, (event) => element.wxOn[type]?.(event));
  element.wxOn[type] = handler;
}

/** The entries of an object whose value is given: `undefined` or `null` is no value, never its name. */
const given = (object) => Object.entries(object).filter(([, value]) => value !== undefined && value !== null);

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'style') Object.assign(element.style, Object.fromEntries(given(value)));
    else if (name.startsWith('on')) listen(element, name.slice(2), value);
    // A data-* left out where it has no value: Object.assign wrote data-alarm="undefined" on every
    // row in no alarm (a dataset turns whatever it is given into text).
    else if (name === 'dataset') for (const [key, data] of given(value)) element.dataset[key] = String(data);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** The window a sparkline spans, the last 24 hours, in at most SPARK_POINTS buckets (/api/v1/series). */
export const SPARK_WINDOW_MS = 86_400_000;
export const SPARK_POINTS = 96;

/** Readings further apart than this break the line: three of the device's intervals, or of the buckets. */
export const sparkGapMs = (intervalMs) => 3 * Math.max(intervalMs, SPARK_WINDOW_MS / SPARK_POINTS);

/** Readings enough for a line: two with a value. */
export const hasSparkLine = (points) => points.filter((point) => Number.isFinite(point.v)).length >= 2;

/**
 * A sparkline as inline SVG, cheap enough to redraw for every station: each point `{ t, v }` placed
 * by its time in the 24 hours up to `toMs`, the line broken where readings are more than `gapMs`
 * apart. Placed by its index, a night without readings was squeezed out and the line joined across
 * it, and a station silent since the morning drew its line to the right edge, as if current.
 * A reading alone between gaps is a dot.
 */
export function sparkline(points, colour, { toMs, gapMs }) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  const fromMs = toMs - SPARK_WINDOW_MS;
  const shown = points.filter((point) => Number.isFinite(point.v) && point.t >= fromMs && point.t <= toMs);
  if (shown.length < 2) return svg;
  const values = shown.map((point) => point.v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const x = (t) => (((t - fromMs) / SPARK_WINDOW_MS) * 100).toFixed(1);
  const y = (v) => (22 - ((v - min) / span) * 20).toFixed(1);
  const runs = [];
  for (const [i, point] of shown.entries()) {
    if (i === 0 || point.t - shown[i - 1].t > gapMs) runs.push([]);
    runs[runs.length - 1].push(`${x(point.t)},${y(point.v)}`);
  }
  for (const run of runs) {
    // A lone reading: a dot (a zero-length line with round caps), so it is seen and not joined.
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', run.length === 1 ? `${run[0]} ${run[0]}` : run.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', colour);
    line.setAttribute('stroke-width', run.length === 1 ? '3' : '1.6');
    line.setAttribute('stroke-linecap', 'round');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(line);
  }
  return svg;
}

// One formatter per option set, made once: toLocaleString builds a new one at every call (a profile
// of the wall put number and time formatting at a tenth of its script time).
const formatters = new Map();
const formatter = (key, make) => formatters.get(key) ?? formatters.set(key, make()).get(key);

export function fmt(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  return formatter(`n${digits}`, () => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })).format(Number(value));
}

export function replace(container, children) {
  container.replaceChildren(...children);
}

/** Sets an element's text only when it differs: the same text set again is still a DOM change to lay out. */
export function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

function patchAttributes(old, fresh) {
  for (const { name, value } of fresh.attributes) if (old.getAttribute(name) !== value) old.setAttribute(name, value);
  for (const name of old.getAttributeNames()) if (!fresh.hasAttribute(name)) old.removeAttribute(name);
  if (fresh.wxOn) for (const [type, handler] of Object.entries(fresh.wxOn)) listen(old, type, handler);
}

/**
 * Makes `old` show what `fresh` shows, touching only what differs (issue 21 item 5, weight): the
 * attributes that changed, the text that changed, and below, node by node; a node of another kind
 * is replaced. The element on the screen stays the same one (its scroll, hover and focus with it).
 */
export function patch(old, fresh) {
  if (old.nodeType !== fresh.nodeType || old.nodeName !== fresh.nodeName) {
    old.replaceWith(fresh);
    return fresh;
  }
  if (old.nodeType !== Node.ELEMENT_NODE) {
    if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
    return old;
  }
  patchAttributes(old, fresh);
  const before = [...old.childNodes];
  const after = [...fresh.childNodes];
  for (let i = 0; i < after.length; i += 1) {
    if (i < before.length) patch(before[i], after[i]);
    else old.append(after[i]);
  }
  for (let i = after.length; i < before.length; i += 1) before[i].remove();
  return old;
}

/** Indices into `sequence` of a longest strictly increasing run (not contiguous): the children that need not move. */
function steady(sequence) {
  const tails = [];
  const previous = new Array(sequence.length);
  for (let i = 0; i < sequence.length; i += 1) {
    if (sequence[i] < 0) continue;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (sequence[tails[mid]] < sequence[i]) low = mid + 1;
      else high = mid;
    }
    previous[i] = low > 0 ? tails[low - 1] : -1;
    tails[low] = i;
  }
  const kept = new Set();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = previous[i]) kept.add(i);
  return kept;
}

/**
 * Updates a list in place (issue 21 item 5, weight): each entry has a key, a signature of what it
 * shows and a builder. An entry whose signature did not change is not touched; one whose signature
 * changed is built and patched into the element on the screen (only its changed text and attributes
 * change); new ones are inserted, gone ones removed, and only the entries that changed places move.
 * Returns whether anything in the container changed.
 */
export function reconcile(container, entries) {
  const old = new Map();
  const position = new Map();
  [...container.children].forEach((child, i) => {
    if (child.dataset.key) old.set(child.dataset.key, child);
    position.set(child, i);
  });
  let changed = false;
  const untouched = new Set();
  const next = entries.map(({ key, sig, build }) => {
    const kept = old.get(key);
    if (kept && kept.dataset.sig === sig) {
      untouched.add(kept);
      return kept;
    }
    changed = true;
    const element = build();
    element.dataset.key = key;
    element.dataset.sig = sig;
    return kept ? patch(kept, element) : element;
  });
  const wanted = new Set(next);
  for (const child of [...container.children]) if (!wanted.has(child)) { child.remove(); changed = true; }
  // The entries that changed move if they must (a car park whose occupancy rose); of the rest, the
  // most that are already in order stay, so an entry that did not change is not touched.
  const stay = steady(next.map((element) => (untouched.has(element) ? position.get(element) : -1)));
  // From the end, each entry not in place goes before the one after it (a new one is inserted).
  for (let i = next.length - 1; i >= 0; i -= 1) {
    const after = next[i + 1] ?? null;
    if (next[i].parentNode === container && (stay.has(i) || next[i].nextSibling === after)) continue;
    container.insertBefore(next[i], after);
    changed = true;
  }
  return changed;
}

/**
 * A whole percentage rounded down, never up: a load of 79.9 % (较高, under the 80 % heavy-load
 * threshold) read "80%" on a cell coloured and labelled below it, 99.9 % "100%" beside a real
 * overload (wall2). Rounded to 6 places first so float noise (80 as 79.9999999) stays 80.
 */
export function pctDown(value) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  return `${fmt(Math.floor(Math.round(Number(value) * 1e6) / 1e6), 0)}%`;
}

/** The Beijing date (YYYY-MM-DD) of a time: China keeps UTC+8 all year, no daylight saving. */
export const beijingDay = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * HH:MM (or HH:MM:SS) in Beijing time, whatever the browser's zone; a time of another Beijing day
 * than today's says its date, MM-DD HH:MM (wall2: an alarm opened at 23:50 read "23:50" the next
 * day, and a panel last updated yesterday "updated 14:02", both as if today).
 */
export function beijingClock(ms, seconds = false, now = serverNow()) {
  const time = formatter(`t${seconds}`, () => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour12: false, hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) })).format(new Date(ms));
  return beijingDay(ms) === beijingDay(now) ? time : `${beijingDay(ms).slice(5)} ${time}`;
}

/** YYYY-MM-DD HH:MM in Beijing time. */
export function beijingDateTime(ms) {
  const parts = formatter('dt', () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })).formatToParts(new Date(ms));
  const part = (type) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour') === '24' ? '00' : part('hour')}:${part('minute')}`;
}

/** An age as words: 45 s, 12 min, 1.5 h. */
export function ageText(ms) {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1_000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${fmt(ms / 3_600_000, 1)} h`;
  return `${fmt(ms / 86_400_000, 0)} d`;
}
