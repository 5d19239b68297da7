import { h } from './dom.js';

/** A horizontal bar of 0–100 % with optional marks (a limit) at given percentages. */
export function bar(pct, colour, marks = []) {
  return h('div', { class: 'bar-track' },
    h('div', { class: 'bar-fill', style: { width: `${Math.max(0, Math.min(100, pct))}%`, background: colour } }),
    ...marks.map(([at, cls, title]) => h('div', { class: `bar-mark ${cls}`, title, style: { left: `${Math.max(0, Math.min(100, at))}%` } })));
}
