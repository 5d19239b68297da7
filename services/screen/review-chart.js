// The review page's chart (issue 22 item 1): one SVG, a panel per field sharing the time axis; the
// marks drawn as bands over the fields they cover (in force, revoked, suggested), the instruments'
// HJ 212 data flags as marks of their own (a blue strip at the panel's foot over the period each
// flagged value stands for, its letter, and its meaning on hover), and a selection dragged with the mouse.
const SVG = 'http://www.w3.org/2000/svg';
const PANEL = 70;
const GAP = 8;
const LEFT = 150;
const RIGHT = 12;
const TOP = 22;

function el(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The fields worth a panel: those with a reading or a flag in range (a station sends some of its family's fields only). */
export function fieldsShown(view) {
  return view.fields.filter(({ field }) => view.readings.values[field]?.some((value) => value !== null) || view.readings.flags.some((flag) => flag.field === field));
}

/**
 * The gap beyond which the line is broken: three intervals, the registered one or the one the readings
 * show (history stored at 5 min for a 1-minute station), so a missing stretch shows as a gap.
 */
function gapOf(times, reportIntervalMs) {
  const gaps = times.slice(1).map((time, i) => time - times[i]).filter((gap) => gap > 0).sort((a, b) => a - b);
  return 3 * Math.max(reportIntervalMs, gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0);
}

/** A polyline path broken where readings are missing or more than `gapMs` apart. */
function pathOf(times, values, x, y, gapMs) {
  let d = '';
  let last = null;
  times.forEach((time, i) => {
    const value = values[i];
    if (value === null || value === undefined) {
      last = null;
      return;
    }
    d += `${last === null || time - last > gapMs ? 'M' : 'L'}${x(time).toFixed(1)},${y(value).toFixed(1)}`;
    last = time;
  });
  return d;
}

const beijingHourLabel = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');

/**
 * Draws the view into `container`. `options.onSelect(fromMs, toMs)` is called when a range is dragged;
 * the returned `showSelection(fromMs, toMs)` draws a typed one. `labelOf(mark)` gives a band's tooltip.
 */
export function drawChart(container, view, options) {
  const shown = fieldsShown(view);
  const width = Math.max(600, container.clientWidth || 1000);
  const height = TOP + shown.length * (PANEL + GAP) + 4;
  const span = view.toMs - view.fromMs;
  const x = (ms) => LEFT + ((Math.min(Math.max(ms, view.fromMs), view.toMs) - view.fromMs) / span) * (width - LEFT - RIGHT);
  const msAt = (px) => view.fromMs + ((Math.min(Math.max(px, LEFT), width - RIGHT) - LEFT) / (width - LEFT - RIGHT)) * span;
  const svg = el('svg', { id: 'review-chart', class: 'review-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  svg.append(el('title', {}, `${view.device.id}: ${shown.map(({ field }) => field).join(', ')}`));
  // Beijing day boundaries with their dates.
  for (let day = Math.ceil((view.fromMs + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000; day <= view.toMs; day += 86_400_000) {
    svg.append(el('line', { class: 'day-line', x1: x(day), x2: x(day), y1: TOP - 6, y2: height }));
    svg.append(el('text', { class: 'axis', x: x(day) + 3, y: TOP - 8 }, beijingHourLabel(day).slice(0, 5)));
  }
  const panels = new Map();
  const gapMs = gapOf(view.readings.times, view.device.reportIntervalMs);
  shown.forEach(({ field, unit }, index) => {
    const top = TOP + index * (PANEL + GAP);
    const values = view.readings.values[field] ?? [];
    const flagged = view.readings.flags.filter((flag) => flag.field === field);
    const numbers = [...values, ...flagged.map((flag) => flag.value)].filter((value) => typeof value === 'number');
    const min = numbers.length ? Math.min(...numbers) : 0;
    const max = numbers.length ? Math.max(...numbers) : 1;
    const y = (value) => top + PANEL - 4 - ((value - min) / (max - min || 1)) * (PANEL - 8);
    const group = el('g', { class: 'panel', 'data-field': field });
    group.append(el('rect', { class: 'panel-bg', x: LEFT, y: top, width: width - LEFT - RIGHT, height: PANEL }));
    group.append(el('text', { class: 'field-name', x: 6, y: top + 16 }, field));
    group.append(el('text', { class: 'axis', x: 6, y: top + 32 }, unit));
    group.append(el('text', { class: 'axis', x: LEFT - 4, y: top + 10, 'text-anchor': 'end' }, Number(max.toPrecision(4))));
    group.append(el('text', { class: 'axis', x: LEFT - 4, y: top + PANEL - 2, 'text-anchor': 'end' }, Number(min.toPrecision(4))));
    group.append(el('path', { class: 'series', d: pathOf(view.readings.times, values, x, y, gapMs) }));
    for (const flag of flagged) {
      // Its own kind of mark: a strip along the panel's foot (officers' and suggested marks fill
      // the panel's height), blue for an invalid flag and amber for a suspect one (T, a vendor's letter).
      const flagGroup = el('g', { class: `flag flag-${flag.flag} ${flag.meaning.verdict}`, 'data-flag': flag.flag, 'data-interval': flag.interval });
      const left = x(flag.timeMs);
      flagGroup.append(el('rect', { class: 'flag-strip', x: left, y: top + PANEL - 14, width: Math.max(3, x(flag.toMs) - left), height: 14 }));
      if (flag.value !== null) flagGroup.append(el('circle', { cx: left, cy: y(flag.value), r: 2.5 }));
      flagGroup.append(el('text', { x: left + 1, y: top + PANEL - 3 }, flag.flag));
      flagGroup.append(el('title', {}, options.flagLabelOf ? options.flagLabelOf(flag) : `${beijingHourLabel(flag.timeMs)} ${field} ${flag.flag}`));
      group.append(flagGroup);
    }
    svg.append(group);
    panels.set(field, { top });
  });
  // Bands after the series so they lie over them; translucent, so the series shows through.
  const band = (mark, kind) => {
    // A mark's derived fields (the load rate of a marked active power) are covered too: the band is drawn over them.
    const covered = mark.fields.length === 0 ? shown.map(({ field }) => field) : [...mark.fields, ...(mark.derivedFields ?? [])].filter((field) => panels.has(field));
    for (const field of covered) {
      const { top } = panels.get(field);
      const rect = el('rect', { class: `mark-band ${kind}`, 'data-id': mark.id ?? '', 'data-field': field, x: x(mark.fromMs), y: top, width: Math.max(2, x(mark.toMs) - x(mark.fromMs)), height: PANEL });
      rect.append(el('title', {}, options.labelOf(mark, kind)));
      svg.append(rect);
    }
  };
  for (const suggestion of view.suggestions) band(suggestion, 'suggested');
  for (const mark of view.marks) band(mark, mark.inForce ? 'in-force' : 'revoked');

  const selection = el('rect', { class: 'selection', x: 0, y: TOP, width: 0, height: height - TOP, visibility: 'hidden' });
  const hit = el('rect', { class: 'hit', x: LEFT, y: TOP, width: width - LEFT - RIGHT, height: height - TOP });
  svg.append(selection, hit);
  const showSelection = (fromMs, toMs) => {
    if (!(toMs > fromMs)) return selection.setAttribute('visibility', 'hidden');
    selection.setAttribute('x', x(fromMs));
    selection.setAttribute('width', Math.max(1, x(toMs) - x(fromMs)));
    selection.setAttribute('visibility', 'visible');
  };
  // The drag: pointer events in SVG user units (the SVG is drawn 1:1, viewBox = size).
  const minute = 60_000;
  const local = (event) => event.clientX - svg.getBoundingClientRect().left;
  let anchor = null;
  hit.addEventListener('pointerdown', (event) => {
    anchor = msAt(local(event));
    hit.setPointerCapture(event.pointerId);
    showSelection(anchor, anchor);
  });
  hit.addEventListener('pointermove', (event) => {
    if (anchor === null) return;
    const at = msAt(local(event));
    showSelection(Math.min(anchor, at), Math.max(anchor, at));
  });
  hit.addEventListener('pointerup', (event) => {
    if (anchor === null) return;
    const at = msAt(local(event));
    const fromMs = Math.floor(Math.min(anchor, at) / minute) * minute;
    const toMs = Math.ceil(Math.max(anchor, at) / minute) * minute;
    anchor = null;
    if (toMs > fromMs) options.onSelect(fromMs, toMs);
    showSelection(fromMs, toMs);
  });
  container.replaceChildren(svg);
  return { showSelection };
}
