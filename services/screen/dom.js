// A tiny DOM builder: text is always set as text (never HTML), so registry or alarm data cannot inject markup.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'style') Object.assign(element.style, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A sparkline as inline SVG (one polyline), cheap enough to redraw for every station. */
export function sparkline(values, colour) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return svg;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const points = finite.map((v, i) => `${((i / (finite.length - 1)) * 100).toFixed(1)},${(22 - ((v - min) / span) * 20).toFixed(1)}`).join(' ');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', colour);
  line.setAttribute('stroke-width', '1.6');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(line);
  return svg;
}

export function fmt(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '—';
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function replace(container, children) {
  container.replaceChildren(...children);
}

/**
 * Updates a list in place (issue 21, weight): each entry has a key, a signature of what it shows
 * and a builder; a child whose signature did not change is kept untouched, the rest rebuilt, so an
 * update touches only what changed instead of relaying the whole panel.
 */
export function reconcile(container, entries) {
  const old = new Map();
  for (const child of container.children) if (child.dataset.key) old.set(child.dataset.key, child);
  const next = entries.map(({ key, sig, build }) => {
    const kept = old.get(key);
    if (kept && kept.dataset.sig === sig) return kept;
    const element = build();
    element.dataset.key = key;
    element.dataset.sig = sig;
    return element;
  });
  const same = next.length === container.children.length && next.every((element, i) => container.children[i] === element);
  if (!same) container.replaceChildren(...next);
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
export function beijingClock(ms, seconds = false, now = Date.now()) {
  const time = new Date(ms).toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai', hour12: false, hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });
  return beijingDay(ms) === beijingDay(now) ? time : `${beijingDay(ms).slice(5)} ${time}`;
}

/** YYYY-MM-DD HH:MM in Beijing time. */
export function beijingDateTime(ms) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms));
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
